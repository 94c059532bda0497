import type { Store } from '../store/store.ts';
import type { Logger } from '../util/logger.ts';
import type { ConversationCache } from './conversation-cache.ts';
import type { RunJob } from './run-queue/run-queue.ts';
import { executeRun } from './run/execute-run.ts';
import type { RunDependencies, RunWriter } from './run/run-context.ts';
import type { Fence } from './event-log/event-log.ts';
import type { LiveConversation } from './live-conversation.ts';

/**
 * The worker role: executes the run a queue hands it, on the conversation's live state, with a
 * controller that `stop` aborts. Tools work in the conversation's project directory and nowhere
 * else: a project that no longer exists fails the run, it never falls back to another directory.
 */
export class RunExecutor {
  readonly #store: Store;
  readonly #cache: ConversationCache;
  readonly #deps: RunDependencies;
  readonly #logger: Logger;

  constructor(options: { store: Store; cache: ConversationCache; deps: RunDependencies; logger: Logger }) {
    this.#store = options.store;
    this.#cache = options.cache;
    this.#deps = options.deps;
    this.#logger = options.logger;
  }

  async execute(job: RunJob): Promise<void> {
    const live = this.#cache.peek(job.conversationId);
    if (!live) return;
    // The command that queued the run may not be folded yet.
    await live.flush().catch(() => {});
    const queued = live.findRun(job.runId);
    if (!queued || queued.status !== 'queued' || live.deleted) return;
    const controller = new AbortController();
    let finished!: () => void;
    live.active = { runId: job.runId, controller, done: new Promise<void>((resolve) => (finished = resolve)) };
    this.#cache.hold(live);
    try {
      // In-process, each execution is the run's first and only claim; a distributed queue hands
      // out later attempts when it re-dispatches a run whose worker died.
      const fence: Fence = { runId: job.runId, attempt: 1 };
      await live.log.claim(fence);
      const project = await this.#store.getProject(live.state.conversation.projectName);
      await executeRun(runWriter(live, fence), queued, project?.path, controller.signal, this.#deps);
    } catch (error) {
      this.#logger.error('run crashed', { runId: job.runId, error });
    } finally {
      // The run's last events are folded before anyone waiting on `done` reads the run.
      await live.flush().catch((error: unknown) => this.#logger.error('could not append the end of a run', { runId: job.runId, error }));
      live.active = undefined;
      finished();
      this.#cache.release(live);
    }
  }
}

/** The narrow view of a live conversation the run loop gets: every event it emits carries the claim. */
function runWriter(live: LiveConversation, fence: Fence): RunWriter {
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
    emit: (draft, options) => live.emit(draft, { ...options, fence }),
    flush: () => live.flush(),
  };
}
