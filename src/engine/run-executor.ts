import type { Run } from '../domain/schemas.ts';
import type { Store } from '../store/store.ts';
import { withFields, type Logger } from '../util/logger.ts';
import type { ConversationCache } from './conversation-cache.ts';
import type { RunClaim, RunJob } from './run-queue/run-queue.ts';
import type { RunControl } from './run-control/run-control.ts';
import { claimedPersistence } from './run/claimed-persistence.ts';
import { executeRun } from './run/execute-run.ts';
import { queueContinueRun, takeOverRun, type TakeOverPolicy } from './run/take-over.ts';
import type { AbortReason, RunDependencies, RunWriter } from './run/run-context.ts';
import type { Fence } from './event-log/event-log.ts';
import type { LiveConversation } from './live-conversation.ts';
import type { RemoteConversation, RemoteExecution } from './run/remote-execution.ts';

/**
 * The worker role: executes the run a queue hands it, on the conversation's live state, with a
 * controller that stops and lost claims abort. Tools work in the conversation's project directory and nowhere
 * else: a project that no longer exists fails the run, it never falls back to another directory.
 */
export class RunExecutor {
  readonly #store: Store;
  readonly #cache: ConversationCache;
  readonly #deps: RunDependencies;
  readonly #logger: Logger;
  readonly #runControl: RunControl;
  readonly #takeOver: RunExecutorOptions['takeOver'];
  readonly #remote: RemoteExecution | undefined;
  readonly #queueRun: ((run: Run) => Promise<void>) | undefined;

  constructor(options: RunExecutorOptions) {
    this.#store = options.store;
    this.#takeOver = options.takeOver;
    this.#remote = options.remote;
    this.#queueRun = options.queueRun;
    this.#runControl = options.runControl;
    this.#cache = options.cache;
    this.#deps = options.deps;
    this.#logger = options.logger;
  }

  /**
   * Executes one claimed run. Stops arrive through run control (from any node, never lost between
   * claim and start); a lost claim aborts the run as `fenced`, and the log refuses its writes.
   */
  async execute(job: RunJob, claim: RunClaim, options: { abandon?: boolean; again?: boolean } = {}): Promise<void> {
    const live = this.#cache.peek(job.conversationId);
    if (!live) return;
    // The command that queued the run may not be folded yet (on a shared log, appended by another node).
    await live.flush().catch(() => {});
    // A re-dispatch (attempt > 1) is never judged on a fold that may not show how far the last attempt got.
    const seen = live.findRun(job.runId);
    if (!startable(seen, this.#takeOver) || seen.status === 'running' || claim.attempt > 1) await live.log.sync?.().catch(() => {});
    const queued = live.findRun(job.runId);
    // A parked run (`requires-action`) is handed out again to resume once its approvals are settled.
    if (!queued || !startable(queued, this.#takeOver) || live.deleted) return;
    const controller = new AbortController();
    let finished!: () => void;
    live.active = { runId: job.runId, controller, done: new Promise<void>((resolve) => (finished = resolve)) };
    this.#cache.hold(live);
    const fenced = () => controller.abort({ kind: 'fenced' } satisfies AbortReason);
    claim.signal.addEventListener('abort', fenced, { once: true });
    const watch = await this.#runControl.watch(job.runId, (reason) => controller.abort(reason satisfies AbortReason));
    // Every line about this run names its conversation and run.
    const logger = withFields(this.#logger, { conversationId: job.conversationId, runId: job.runId });
    try {
      const fence: Fence = { runId: job.runId, attempt: claim.attempt };
      await live.log.claim(fence);
      // On a shared store the run's end is fenced there too (claimed-persistence.ts).
      const persistence = this.#takeOver ? await claimedPersistence(this.#store, this.#deps.persistence, fence, logger) : this.#deps.persistence;
      if (!persistence) return logger.warn('a later attempt holds this run in the store; this worker was replaced', { attempt: claim.attempt });
      const deps = { ...this.#deps, persistence, logger };
      if (this.#takeOver && (options.abandon || queued.status === 'running')) {
        const policy = options.abandon ? 'interrupt' : this.#takeOver.policy;
        await takeOverRun(runWriter(live, fence), queued, { policy, signal: controller.signal, queueContinue: this.#takeOver.queueContinue }, deps);
        return;
      }
      const project = await this.#store.getProject(live.state.conversation.projectName);
      if (project && this.#remote?.serves(project)) {
        await this.#remote.execute({ queued, fence, signal: controller.signal, deps, conversation: remoteConversation(live), queueRun: this.#queueRun });
      } else {
        // A project served only by machine workers has no directory here ('').
        const ended = await executeRun(runWriter(live, fence), queued, project?.path || undefined, controller.signal, deps);
        // A cluster worker shutting down hands back what it could not finish in its grace: another worker continues it.
        if (this.#takeOver && ended.status === 'interrupted' && ended.assistantMessageId && (controller.signal.reason as AbortReason | undefined)?.kind === 'shutdown') {
          await queueContinueRun(runWriter(live, fence), ended, this.#takeOver.queueContinue, deps);
        }
      }
    } catch (error) {
      logger.error('run crashed', { error });
    } finally {
      watch.close();
      claim.signal.removeEventListener('abort', fenced);
      // The run's last events are folded before anyone waiting on `done` reads the run.
      await live.flush().catch((error: unknown) => logger.error('could not append the end of a run', { error }));
      await this.#runControl.settle(job.runId);
      live.active = undefined;
      finished();
      this.#cache.release(live);
    }
    if (live.broken && this.#takeOver && !options.again) await this.#again(job, claim);
  }

  /**
   * The shared log under the run lost its history (Redis restarted without persistence) or the fold
   * missed events: the run is judged again on a copy loaded from the store, under the same claim.
   * One whose end did not reach the log is still `running` there and is taken over (its partial as
   * of the last checkpoint kept, continued once); one that ended is left alone.
   */
  async #again(job: RunJob, claim: RunClaim): Promise<void> {
    const fresh = await this.#cache.use(job.conversationId).catch(() => undefined);
    if (!fresh) return;
    try {
      await this.execute(job, claim, { again: true });
    } finally {
      this.#cache.release(fresh);
    }
  }
}

export type RunExecutorOptions = {
  store: Store;
  cache: ConversationCache;
  runControl: RunControl;
  deps: RunDependencies;
  logger: Logger;
  /**
   * Set where a distributed queue may hand this worker a run another worker was executing when it
   * died (scale-out): such a run, found `running`, is taken over (run/take-over.ts) instead of skipped.
   */
  takeOver?: { policy: TakeOverPolicy; queueContinue: (run: Run) => Promise<void> };
  /** Executes the runs of projects served by machine workers there (src/workers). */
  remote?: RemoteExecution;
  /** Queues a run (the remote execution queues a `continue` when a worker was lost mid-run). */
  queueRun?: (run: Run) => Promise<void>;
};

/** Queued, parked (resumed once its approvals are settled), or orphaned by a dead worker (taken over). */
function startable(run: Run | undefined, takeOver: RunExecutorOptions['takeOver']): run is Run {
  return run !== undefined && (run.status === 'queued' || run.status === 'requires-action' || (run.status === 'running' && takeOver !== undefined));
}

/** The narrow view of a live conversation the run loop gets: every event it emits carries the claim. */
function runWriter(live: LiveConversation, fence: Fence): RunWriter {
  const fenced = { fence };
  const fencedPersisted = { fence, persisted: true };
  return {
    id: live.id,
    get state() {
      return live.state;
    },
    get deleted() {
      return live.deleted;
    },
    get foldedSeq() {
      return live.foldedSeq;
    },
    get durable() {
      return live.log.durable;
    },
    emit: (draft, options) => live.emit(draft, options?.persisted ? fencedPersisted : fenced),
    flush: () => live.flush(),
    until: (condition, signal) => live.until(condition, signal),
    settledApproval: (approvalId) => live.settledApproval(approvalId),
  };
}

/** The conversation as a remote execution sees it (see remote-execution.ts). */
function remoteConversation(live: LiveConversation): RemoteConversation {
  return {
    id: live.id,
    get projectName() {
      return live.state.conversation.projectName;
    },
    get state() {
      return live.state;
    },
    get cursor() {
      return live.cursor;
    },
    claim: (fence) => live.log.claim(fence),
    writer: (fence) => runWriter(live, fence),
    subscribe: (after, bufferLimit) => live.subscribe(after, bufferLimit),
  };
}
