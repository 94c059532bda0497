import type { RunJob, RunQueue, RunWorker } from './run-queue.ts';

export class MemoryRunQueue implements RunQueue {
  readonly #concurrency: number;
  #worker: RunWorker | undefined;
  /** Waiting jobs per conversation, in order. */
  readonly #waiting = new Map<string, RunJob[]>();
  /** Conversations with a job executing. */
  readonly #busy = new Set<string>();
  /** Conversations with waiting jobs and no job executing, in the order they became ready. */
  readonly #ready: string[] = [];

  constructor(options: { concurrency: number }) {
    if (!(options.concurrency >= 1)) throw new RangeError('run queue concurrency must be at least 1');
    this.#concurrency = options.concurrency;
  }

  get executing(): number {
    return this.#busy.size;
  }

  setWorker(worker: RunWorker): void {
    this.#worker = worker;
  }

  push(job: RunJob, options: { front?: boolean } = {}): void {
    let jobs = this.#waiting.get(job.conversationId);
    if (!jobs) this.#waiting.set(job.conversationId, (jobs = []));
    if (options.front) jobs.unshift(job);
    else jobs.push(job);
    this.#markReady(job.conversationId);
    this.#pump();
  }

  remove(runId: string): boolean {
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

  waiting(conversationId: string): RunJob[] {
    return [...(this.#waiting.get(conversationId) ?? [])];
  }

  #markReady(conversationId: string): void {
    if (!this.#busy.has(conversationId) && !this.#ready.includes(conversationId)) this.#ready.push(conversationId);
  }

  #pump(): void {
    const worker = this.#worker;
    if (!worker) return;
    while (this.#busy.size < this.#concurrency && this.#ready.length > 0) {
      const conversationId = this.#ready.shift()!;
      const jobs = this.#waiting.get(conversationId);
      const job = jobs?.shift();
      if (!job) continue;
      if (jobs!.length === 0) this.#waiting.delete(conversationId);
      this.#busy.add(conversationId);
      const done = () => {
        this.#busy.delete(conversationId);
        if (this.#waiting.has(conversationId)) this.#markReady(conversationId);
        this.#pump();
      };
      Promise.resolve()
        .then(() => worker(job))
        .then(done, done);
    }
  }
}
