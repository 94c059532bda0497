import type { Store } from '../store/store.ts';
import type { Logger } from '../util/logger.ts';
import type { ConversationCache } from './conversation-cache.ts';
import type { RunJob } from './run-queue/run-queue.ts';
import { executeRun } from './run/execute-run.ts';
import type { RunDependencies } from './run/run-context.ts';

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
    const queued = live?.findRun(job.runId);
    if (!live || !queued || queued.status !== 'queued' || live.deleted) return;
    const controller = new AbortController();
    let finished!: () => void;
    live.active = { runId: job.runId, controller, done: new Promise<void>((resolve) => (finished = resolve)) };
    this.#cache.hold(live);
    try {
      const project = await this.#store.getProject(live.state.conversation.projectName);
      await executeRun(live, queued, project?.path, controller.signal, this.#deps);
    } catch (error) {
      this.#logger.error('run crashed', { runId: job.runId, error });
    } finally {
      live.active = undefined;
      finished();
      this.#cache.release(live);
    }
  }
}
