import type { Run } from '../../domain/schemas.ts';
import type { Store } from '../../store/store.ts';
import type { Clock } from '../../util/clock.ts';
import type { Checkpointer } from '../checkpointer.ts';
import type { ConversationCache } from '../conversation-cache.ts';
import type { LiveConversation } from '../live-conversation.ts';
import type { RunJob, RunQueue } from '../run-queue/run-queue.ts';
import type { ApprovalDesk } from './approval-desk.ts';

/**
 * Runs parked for an approval (`requires-action`) hold no worker, but they still come first in
 * their conversation: a later run of it that the queue hands out meanwhile is held (left `queued`,
 * off the queue) and queued again, in order, once the parked run has ended. This wraps the run
 * executor as the queue's worker to do that, and stops parked and held runs, which no worker runs.
 */
export class ParkedRuns {
  readonly #store: Store;
  readonly #cache: ConversationCache;
  readonly #checkpointer: Checkpointer;
  readonly #runQueue: RunQueue;
  readonly #desk: ApprovalDesk;
  readonly #clock: Clock;
  /** Stops waiting for a run's execution to finish, by run id (one entry per stop in progress). */
  readonly #executed = new Map<string, (() => void)[]>();
  /** Parked runs being stopped: executed with their signal already aborted. */
  readonly #stopping = new Set<string>();

  constructor(options: { store: Store; cache: ConversationCache; checkpointer: Checkpointer; runQueue: RunQueue; desk: ApprovalDesk; clock: Clock }) {
    this.#store = options.store;
    this.#cache = options.cache;
    this.#checkpointer = options.checkpointer;
    this.#runQueue = options.runQueue;
    this.#desk = options.desk;
    this.#clock = options.clock;
  }

  /**
   * The queue's worker: `execute` (the run executor) unless the run must wait behind a parked one
   * or is itself parked with approvals still pending. A parked run resumed after a restart may find
   * its conversation not yet loaded: it is loaded here.
   */
  worker(execute: (job: RunJob, options: { stop: boolean }) => Promise<void>): (job: RunJob) => Promise<void> {
    return async (job) => {
      const stop = this.#stopping.delete(job.runId);
      let live: LiveConversation | undefined;
      try {
        live = await this.#cache.use(job.conversationId).catch(() => undefined);
        if (!live) return;
        await live.flush().catch(() => {});
        if (!this.#mustWait(live, job.runId)) await execute(job, { stop });
      } finally {
        if (live) {
          this.#requeueHeld(live);
          this.#cache.release(live);
        }
        for (const resolve of this.#executed.get(job.runId) ?? []) resolve();
        this.#executed.delete(job.runId);
      }
    };
  }

  /**
   * Stops a parked run (its pending approvals are cancelled and it is queued to end itself; resolves
   * once it has ended) or a held one (stopped at once). Undefined when the stop is not about such a
   * run: the ordinary stop handles it.
   */
  async stop(conversationId: string, options: { runId?: string }): Promise<{ run: Run | null } | undefined> {
    const live = await this.#cache.use(conversationId);
    try {
      await live.flush();
      const target = options.runId ? live.findRun(options.runId) : live.state.runs.find((run) => run.status === 'requires-action');
      if (!target) return undefined;
      if (target.status === 'queued' && this.#isHeld(live, target.id)) {
        const run: Run = { ...target, status: 'stopped', finishReason: 'stopped', endedAt: this.#clock.now() };
        live.emit({ type: 'run-stopped', runId: run.id, data: { run } });
        await live.flush();
        await this.#checkpointer.sync();
        return { run };
      }
      if (target.status !== 'requires-action' || live.active?.runId === target.id) return undefined;
      const executed = new Promise<void>((resolve) => this.#executed.set(target.id, [...(this.#executed.get(target.id) ?? []), resolve]));
      // Cancelled approvals stop it even after a restart; `stopping` covers one answered but not yet resumed.
      this.#stopping.add(target.id);
      await this.#desk.cancelRun(conversationId, target.id);
      await executed;
      return { run: live.findRun(target.id) ?? (await this.#store.getRun(target.id)) ?? null };
    } finally {
      this.#cache.release(live);
    }
  }

  #mustWait(live: LiveConversation, runId: string): boolean {
    const run = live.findRun(runId);
    if (run?.status === 'requires-action') return live.state.approvals?.some((approval) => approval.runId === runId) ?? false;
    return live.state.runs.some((other) => other.status === 'requires-action' && other.id !== runId);
  }

  /** Queued in the conversation's state but on no queue: held behind a parked run. */
  #isHeld(live: LiveConversation, runId: string): boolean {
    return live.state.runs.some((run) => run.status === 'requires-action') && !this.#runQueue.waiting(live.id).some((job) => job.runId === runId);
  }

  /** Once no run of the conversation is parked, its held runs go back on the queue ahead of later ones, in order. */
  #requeueHeld(live: LiveConversation): void {
    if (live.deleted || live.state.runs.some((run) => run.status === 'requires-action')) return;
    const onQueue = new Set(this.#runQueue.waiting(live.id).map((job) => job.runId));
    const held = live.state.runs.filter((run) => run.status === 'queued' && !onQueue.has(run.id));
    for (const run of held.reverse()) this.#runQueue.push({ conversationId: live.id, runId: run.id }, { front: true });
  }
}
