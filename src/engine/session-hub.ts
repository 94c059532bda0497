import { randomBytes } from 'node:crypto';
import type { ContextInput, Conversation, ConversationState, Message, Project, Run } from '../domain/schemas.ts';
import type { ConversationSummary, SessionInfo } from '../domain/records.ts';
import { createProjectTools } from '../tools/project/project-tools.ts';
import { ToolRegistry } from '../tools/tool-registry.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import { createIdGenerator } from '../util/ids.ts';
import { silentLogger, type Logger } from '../util/logger.ts';
import { Catalog } from './catalog.ts';
import { Checkpointer } from './checkpointer.ts';
import { Commands } from './commands.ts';
import { ConversationCache } from './conversation-cache.ts';
import type { EventLog } from './event-log/event-log.ts';
import { MemoryEventLog } from './event-log/memory-event-log.ts';
import { defaultLimits, type HubLimits, type SessionHubOptions } from './hub-options.ts';
import { recoverConversations } from './recovery.ts';
import { RunExecutor } from './run-executor.ts';
import { MemoryRunQueue } from './run-queue/memory-run-queue.ts';
import { defaultRetryOptions } from './run/retry-policy.ts';
import type { RunDependencies } from './run/run-context.ts';
import type { Subscription } from './subscription.ts';
import type { ConversationPatch, NewConversation, SendInput } from './validate.ts';

/**
 * The engine's front door, composed of one part per job: the conversation cache (the one owner
 * of live conversations), the catalog (projects and lists, straight to the store), commands
 * (send, stop, continue, edit, delete; each acknowledged once durable), watchers (state and
 * subscriptions, below) and the run executor (the worker role the run queue calls). Every change
 * to a conversation happens as events on its log; runs never depend on a connection.
 */
export class SessionHub {
  readonly limits: HubLimits;
  readonly #store: SessionHubOptions['store'];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #checkpointer: Checkpointer;
  readonly #cache: ConversationCache;
  readonly #catalog: Catalog;
  readonly #commands: Commands;
  readonly #eventLog: EventLog;

  constructor(options: SessionHubOptions) {
    this.limits = { ...defaultLimits, ...options.limits };
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    const ids = options.ids ?? createIdGenerator({ now: () => this.#clock.now() });
    this.#logger = options.logger ?? silentLogger;
    const eventLog = (this.#eventLog = options.eventLog ?? new MemoryEventLog({ clock: this.#clock, capacity: this.limits.logCapacity, newEpoch: () => randomBytes(6).toString('base64url') }));
    const runQueue = options.runQueue ?? new MemoryRunQueue({ concurrency: this.limits.maxConcurrentRuns });
    this.#checkpointer = new Checkpointer({ store: this.#store, clock: this.#clock, intervalMs: this.limits.checkpointIntervalMs, logger: this.#logger });
    const deps: RunDependencies = {
      persistence: this.#checkpointer,
      ids,
      clock: this.#clock,
      random: options.random ?? Math.random,
      logger: this.#logger,
      models: options.models,
      tools: options.tools ?? defaultTools(),
      retry: { ...defaultRetryOptions, ...options.retry },
      maxSteps: this.limits.maxSteps,
    };
    const shared = { store: this.#store, clock: this.#clock, ids, limits: this.limits, models: options.models };
    this.#cache = new ConversationCache({ ...shared, eventLog, runQueue, checkpointer: this.#checkpointer, idleReleaseMs: this.limits.idleReleaseMs });
    this.#catalog = new Catalog({ ...shared, cache: this.#cache });
    this.#commands = new Commands({ ...shared, cache: this.#cache, catalog: this.#catalog, checkpointer: this.#checkpointer, runQueue });
    const executor = new RunExecutor({ store: this.#store, cache: this.#cache, deps, logger: this.#logger });
    runQueue.setWorker((job) => executor.execute(job));
  }

  /**
   * Recovers what a previous process left: runs running or queued, and events its durable log
   * holds past the records. Call once before serving.
   */
  async start(): Promise<{ recovered: Run[] }> {
    const recovered = await recoverConversations({ store: this.#store, eventLog: this.#eventLog, cache: this.#cache, checkpointer: this.#checkpointer, now: () => this.#clock.now() });
    if (recovered.length > 0) this.#logger.warn('marked runs interrupted after restart', { count: recovered.length });
    return { recovered };
  }

  /** Store transactions committed by checkpoints (for tests and benchmarks). */
  get checkpointCommits(): number {
    return this.#checkpointer.commits;
  }

  /** Write transactions of the event log (0 for a log that stores nothing). */
  get logWrites(): number {
    return this.#eventLog.writes;
  }

  // Catalog: projects and conversation lists

  createProject(input: { name: unknown; path: unknown }): Promise<Project> {
    return this.#catalog.createProject(input);
  }

  listProjects(): Promise<Project[]> {
    return this.#catalog.listProjects();
  }

  getProject(name: string): Promise<Project> {
    return this.#catalog.getProject(name);
  }

  /** Deletes the project and its conversations (stopping their runs). */
  deleteProject(name: string): Promise<void> {
    return this.#catalog.deleteProject(name);
  }

  createConversation(input: NewConversation): Promise<Conversation> {
    return this.#catalog.createConversation(input);
  }

  listConversations(query: { projectName?: string; limit?: number; before?: number }): Promise<ConversationSummary[]> {
    return this.#catalog.listConversations(query);
  }

  // Commands: each resolves once its change is durable

  updateConversation(conversationId: string, patch: ConversationPatch): Promise<Conversation> {
    return this.#commands.updateConversation(conversationId, patch);
  }

  /** Stops any run and deletes the conversation for good. */
  deleteConversation(conversationId: string): Promise<void> {
    return this.#commands.deleteConversation(conversationId);
  }

  /** Adds a user message and starts (or queues) the run that answers it. */
  send(conversationId: string, input: SendInput): Promise<{ message: Message; run: Run }> {
    return this.#commands.send(conversationId, input);
  }

  /**
   * Stops the active run (or, given `runId` of a queued run, takes it off the queue). Stopping an
   * idle conversation is a no-op. Resolves once the run has ended, with the run as it ended.
   */
  stop(conversationId: string, options: { runId?: string } = {}): Promise<{ run: Run | null }> {
    return this.#commands.stop(conversationId, options);
  }

  /** Starts a run that carries on from the last run's partial message (stopped, interrupted, failed or cut short). */
  continue(conversationId: string): Promise<{ run: Run }> {
    return this.#commands.continue(conversationId);
  }

  // Watchers

  /** The conversation's full state and the cursor it is current as of. */
  async getConversation(conversationId: string): Promise<{ state: ConversationState; cursor: string }> {
    const live = await this.#cache.use(conversationId);
    await live.flush();
    const snapshot = live.snapshot();
    if (snapshot.type !== 'snapshot') throw new Error('unreachable');
    this.#cache.release(live);
    return { state: snapshot.data.state, cursor: snapshot.cursor };
  }

  /**
   * Subscribes to a conversation after `after` (a cursor). Replays the events after it when still
   * held, else starts with a snapshot; then live events. Close the subscription to leave.
   */
  async subscribe(conversationId: string, options: { after?: string; bufferLimit?: number } = {}): Promise<Subscription> {
    const live = await this.#cache.use(conversationId);
    return live.subscribe(options.after, options.bufferLimit ?? this.limits.subscriberBufferLimit);
  }

  /** Live conversations: what is running, queued and watched. */
  sessions(): SessionInfo[] {
    return this.#cache.all().map((live) => ({
      conversationId: live.id,
      projectName: live.state.conversation.projectName,
      title: live.state.conversation.title,
      status: live.active ? 'running' : live.state.runs.some((run) => run.status === 'queued') ? 'queued' : 'idle',
      subscribers: live.subscriptions.size,
      activeRunId: live.active?.runId ?? null,
      queuedRunIds: live.state.runs.filter((run) => run.status === 'queued').map((run) => run.id),
      cursor: live.cursor,
    }));
  }

  /** Checkpoints everything and ends: active runs become `interrupted` (and can be continued later). */
  async close(): Promise<void> {
    await this.#cache.close();
    await this.#checkpointer.flush();
  }
}

function defaultTools(): ToolRegistry {
  const registry = new ToolRegistry();
  for (const tool of createProjectTools()) registry.register(tool);
  return registry;
}

export type { SendInput, NewConversation, ConversationPatch, ContextInput, SessionInfo };
