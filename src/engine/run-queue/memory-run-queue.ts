import type { RunClaim, RunJob, RunQueue, RunWorker } from './run-queue.ts';

/** The in-process run queue: per-conversation FIFO, a global concurrency cap, one worker. */
export class MemoryRunQueue implements RunQueue {
  readonly #concurrency: number;
  #worker: RunWorker | undefined;
  /** Waiting jobs per conversation, in order. */
  readonly #waiting = new Map<string, RunJob[]>();
  /** Conversations with a job executing, and the settling of that job. */
  readonly #busy = new Map<string, Promise<void>>();
  /** Conversations with waiting jobs and no job executing, in the order they became ready. */
  readonly #ready: string[] = [];
  /** Dispatches per run: a run pushed again after it ran gets the next attempt. */
  readonly #attempts = new Map<string, number>();
  #closed = false;

  constructor(options: { concurrency: number }) {
    if (!(options.concurrency >= 1)) throw new RangeError('run queue concurrency must be at least 1');
    this.#concurrency = options.concurrency;
  }

  /** Jobs executing now. */
  get executing(): number {
    return this.#busy.size;
  }

  setWorker(worker: RunWorker): void {
    this.#worker = worker;
    this.#pump();
  }

  async push(job: RunJob, options: { front?: boolean } = {}): Promise<void> {
    let jobs = this.#waiting.get(job.conversationId);
    if (!jobs) this.#waiting.set(job.conversationId, (jobs = []));
    if (options.front) jobs.unshift(job);
    else jobs.push(job);
    this.#markReady(job.conversationId);
    this.#pump();
  }

  async remove(runId: string): Promise<boolean> {
    for (const [conversationId, jobs] of this.#waiting) {
      const index = jobs.findIndex((job) => job.runId === runId);
      if (index === -1) continue;
      jobs.splice(index, 1);
      if (jobs.length === 0) {
        this.#waiting.delete(conversationId);
        const readyIndex = this.#ready.indexOf(conversationId);
        if (readyIndex !== -1) this.#ready.splice(readyIndex, 1);
      }
      return true;
    }
    return false;
  }

  async waiting(conversationId: string): Promise<RunJob[]> {
    return [...(this.#waiting.get(conversationId) ?? [])];
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#busy.values());
  }

  #markReady(conversationId: string): void {
    if (!this.#busy.has(conversationId) && !this.#ready.includes(conversationId)) this.#ready.push(conversationId);
  }

  #pump(): void {
    const worker = this.#worker;
    if (!worker || this.#closed) return;
    while (this.#busy.size < this.#concurrency && this.#ready.length > 0) {
      const conversationId = this.#ready.shift()!;
      const jobs = this.#waiting.get(conversationId);
      const job = jobs?.shift();
      if (!job) continue;
      if (jobs!.length === 0) this.#waiting.delete(conversationId);
      const attempt = (this.#attempts.get(job.runId) ?? 0) + 1;
      this.#attempts.set(job.runId, attempt);
      // In one process the claim is lost only with the process itself: the signal never aborts.
      const claim: RunClaim = { attempt, signal: new AbortController().signal };
      const settled = Promise.resolve()
        .then(() => worker(job, claim))
        .then(
          () => {},
          () => {},
        )
        .then(() => {
          this.#busy.delete(conversationId);
          this.#attempts.delete(job.runId);
          if (this.#waiting.has(conversationId)) this.#markReady(conversationId);
          this.#pump();
        });
      this.#busy.set(conversationId, settled);
    }
  }
}
