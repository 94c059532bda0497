import type { Run } from '../../domain/schemas.ts';
import type { Store } from '../../store/store.ts';
import type { Clock } from '../../util/clock.ts';
import type { Checkpointer } from '../checkpointer.ts';
import type { ConversationCache } from '../conversation-cache.ts';
import type { LiveConversation } from '../live-conversation.ts';
import type { RunControl } from '../run-control/run-control.ts';
import type { RunClaim, RunJob, RunQueue, RunWorker } from '../run-queue/run-queue.ts';
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
  readonly #runControl: RunControl;
  readonly #desk: ApprovalDesk;
  readonly #clock: Clock;

  constructor(options: { store: Store; cache: ConversationCache; checkpointer: Checkpointer; runQueue: RunQueue; runControl: RunControl; desk: ApprovalDesk; clock: Clock }) {
    this.#store = options.store;
    this.#cache = options.cache;
    this.#checkpointer = options.checkpointer;
    this.#runQueue = options.runQueue;
    this.#runControl = options.runControl;
    this.#desk = options.desk;
    this.#clock = options.clock;
  }

  /**
   * The queue's worker: `execute` (the run executor) unless the run must wait behind a parked one
   * or is itself parked with approvals still pending. A parked run resumed after a restart may find
   * its conversation not yet loaded: it is loaded here.
   */
  worker(execute: RunWorker): RunWorker {
    return async (job: RunJob, claim: RunClaim) => {
      const live = await this.#cache.use(job.conversationId).catch(() => undefined);
      if (!live) return;
      // Only a parked run ending (or a run held behind one) can free held runs. After any other run
      // the scan would race sends in flight on other nodes: a run whose `run-queued` is folded here
      // but not yet on the queue would look held and be queued twice, out of order.
      let parkedOrHeld = false;
      try {
        await live.flush().catch(() => {});
        parkedOrHeld = live.state.runs.some((run) => run.status === 'requires-action');
        if (!this.#mustWait(live, job.runId)) await execute(job, claim);
      } finally {
        if (parkedOrHeld) await this.#requeueHeld(live);
        this.#cache.release(live);
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
      if (target.status === 'queued' && (await this.#isHeld(live, target.id))) {
        const run: Run = { ...target, status: 'stopped', finishReason: 'stopped', endedAt: this.#clock.now() };
        live.emit({ type: 'run-stopped', runId: run.id, data: { run } });
        await live.flush();
        await this.#checkpointer.sync();
        return { run };
      }
      // Parked on a worker (a run thread, a machine worker): held by its executor until the worker's last batch is applied.
      if (target.status === 'requires-action' && live.active?.runId === target.id) await live.active.done;
      if (target.status !== 'requires-action' || live.active?.runId === target.id) return undefined;
      // The stop request reaches the run when it resumes (even one answered but not resumed yet);
      // the cancelled approvals stop it too after a restart. Cancelling queues it to end itself.
      const ended = live.runEnded(target.id);
      await this.#runControl.requestStop(target.id, { kind: 'stop' });
      await this.#desk.cancelRun(conversationId, target.id);
      return { run: (await ended) ?? (await this.#store.getRun(target.id)) ?? null };
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
  async #isHeld(live: LiveConversation, runId: string): Promise<boolean> {
    if (!live.state.runs.some((run) => run.status === 'requires-action')) return false;
    return !(await this.#runQueue.waiting(live.id)).some((job) => job.runId === runId);
  }

  /** Once no run of the conversation is parked, its held runs go back on the queue ahead of later ones, in order. */
  async #requeueHeld(live: LiveConversation): Promise<void> {
    if (live.deleted || live.state.runs.some((run) => run.status === 'requires-action')) return;
    if (!live.state.runs.some((run) => run.status === 'queued')) return;
    const onQueue = new Set((await this.#runQueue.waiting(live.id)).map((job) => job.runId));
    const held = live.state.runs.filter((run) => run.status === 'queued' && !onQueue.has(run.id));
    for (const run of held.reverse()) await this.#runQueue.push({ conversationId: live.id, runId: run.id }, { front: true });
  }
}
