import { randomBytes } from 'node:crypto';
import { ApproveInputSchema, type Approval, type ApproveInput } from '../domain/approval-schemas.ts';
import { exportConversation, type ConversationExport } from '../domain/conversation-export.ts';
import { MessageRefInputSchema, type MessageRefInput } from '../domain/requests.ts';
import type { ContextInput, Conversation, ConversationState, Message, Project, Run } from '../domain/schemas.ts';
import type { ConversationSummary, MessageSearchHit, SessionInfo } from '../domain/records.ts';
import { createProjectTools } from '../tools/project/project-tools.ts';
import { ToolRegistry } from '../tools/tool-registry.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import { createIdGenerator } from '../util/ids.ts';
import { silentLogger, type Logger } from '../util/logger.ts';
import { ApprovalDesk } from './approvals/approval-desk.ts';
import { createApprovalGate } from './approvals/approval-gate.ts';
import { armPendingApprovals, recoverApprovals } from './approvals/approval-recovery.ts';
import { ApprovalTimers, type ExpiryTimers } from './approvals/approval-timers.ts';
import { ParkedRuns } from './approvals/parked-runs.ts';
import { MemoryCatalogBus } from '../catalog/catalog-bus.ts';
import { CatalogFeed } from '../catalog/catalog-feed.ts';
import { catalogProducer } from '../catalog/catalog-producer.ts';
import type { CatalogSubscription } from '../catalog/catalog-subscription.ts';
import { Catalog } from './catalog.ts';
import { Checkpointer } from './checkpointer.ts';
import { Commands } from './commands.ts';
import { ConversationCache } from './conversation-cache.ts';
import { combineObservers, observeEventLog } from './engine-observer.ts';
import type { EventLog } from './event-log/event-log.ts';
import { MemoryEventLog } from './event-log/memory-event-log.ts';
import { parseInput } from './hub-inputs.ts';
import { ModelTitles, type GeneratedTitle } from './model-titles.ts';
import { sessionsOf } from './session-info.ts';
import { defaultLimits, type HubLimits, type SessionHubOptions } from './hub-options.ts';
import { recoverConversations } from './recovery.ts';
import { RunExecutor } from './run-executor.ts';
import { MemoryRunQueue } from './run-queue/memory-run-queue.ts';
import type { RunQueue } from './run-queue/run-queue.ts';
import { MemoryRunControl } from './run-control/memory-run-control.ts';
import { defaultRetryOptions } from './run/retry-policy.ts';
import type { RunDependencies } from './run/run-context.ts';
import type { Subscription } from './subscription.ts';
import { checkpointStoreOf } from '../store/checkpoint-commits.ts';
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
  readonly #runQueue: RunQueue;
  readonly #timers: ExpiryTimers;
  readonly #desk: ApprovalDesk;
  readonly #parked: ParkedRuns;
  readonly #cluster: SessionHubOptions['cluster'];
  readonly #executor: RunExecutor;
  readonly #eventLog: EventLog;
  readonly #titles: ModelTitles | undefined;
  /** Catalog changes of every node, numbered for watchers (src/catalog/). */
  readonly catalogFeed: CatalogFeed;

  constructor(options: SessionHubOptions) {
    this.limits = { ...defaultLimits, ...options.limits };
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    const ids = options.ids ?? createIdGenerator({ now: () => this.#clock.now() });
    this.#logger = options.logger ?? silentLogger;
    const catalogBus = options.catalogBus ?? new MemoryCatalogBus();
    this.catalogFeed = new CatalogFeed({ bus: catalogBus, clock: this.#clock, limits: options.catalogFeed });
    // Titles by a model, when one is configured: it watches for first replies as the log takes them.
    const titles = (this.#titles = options.titleModel === undefined ? undefined : new ModelTitles({ model: options.titleModel, models: options.models, logger: this.#logger }));
    const observer = combineObservers(...(options.observer ? [options.observer] : []), catalogProducer(catalogBus, this.#logger), ...(titles ? [titles.observer] : []));
    const eventLog = (this.#eventLog = observeEventLog(options.eventLog ?? new MemoryEventLog({ clock: this.#clock, capacity: this.limits.logCapacity, newEpoch: () => randomBytes(6).toString('base64url') }), observer));
    const runQueue = options.runQueue ?? new MemoryRunQueue({ concurrency: this.limits.maxConcurrentRuns });
    const runControl = options.runControl ?? new MemoryRunControl();
    this.#runQueue = runQueue;
    this.#cluster = options.cluster;
    const forwardOnly = options.cluster ? checkpointStoreOf(this.#store) : undefined;
    this.#checkpointer = new Checkpointer({ store: this.#store, clock: this.#clock, intervalMs: this.limits.checkpointIntervalMs, logger: this.#logger, observer: options.observer, forwardOnly });
    const tools = options.tools ?? defaultTools();
    this.#timers = options.cluster?.approvalExpiry ?? new ApprovalTimers({ clock: this.#clock, onDue: (approval) => this.#desk.expireQuietly(approval) });
    const deps: RunDependencies = {
      persistence: this.#checkpointer,
      ids,
      clock: this.#clock,
      random: options.random ?? Math.random,
      logger: this.#logger,
      models: options.models,
      tools,
      approvals: createApprovalGate({ tools, approvals: options.approvals, store: this.#store, timers: this.#timers, cancel: (conversationId, runId) => this.#desk.cancelRun(conversationId, runId) }),
      retry: { ...defaultRetryOptions, ...options.retry },
      maxSteps: this.limits.maxSteps,
    };
    const shared = { store: this.#store, clock: this.#clock, ids, limits: this.limits, models: options.models };
    this.#cache = new ConversationCache({ ...shared, eventLog, runQueue, runControl, checkpointer: this.#checkpointer, idleReleaseMs: this.limits.idleReleaseMs, shared: options.cluster !== undefined });
    this.#catalog = new Catalog({ ...shared, cache: this.#cache, observer });
    this.#commands = new Commands({ ...shared, cache: this.#cache, catalog: this.#catalog, checkpointer: this.#checkpointer, runQueue, runControl, remote: options.remote });
    this.#desk = new ApprovalDesk({ ...shared, cache: this.#cache, checkpointer: this.#checkpointer, runQueue, timers: this.#timers, logger: this.#logger });
    this.#parked = new ParkedRuns({ ...shared, cache: this.#cache, checkpointer: this.#checkpointer, runQueue, runControl, desk: this.#desk });
    const takeOver = options.cluster && { policy: options.cluster.takeOver ?? 'continue-once', queueContinue: (run: Run) => runQueue.push({ conversationId: run.conversationId, runId: run.id }) };
    const executor = new RunExecutor({ store: this.#store, cache: this.#cache, runControl, deps, logger: this.#logger, takeOver: takeOver || undefined, remote: options.remote, queueRun: (run) => runQueue.push({ conversationId: run.conversationId, runId: run.id }) });
    this.#executor = executor;
    runQueue.setWorker(this.#parked.worker((job, claim) => executor.execute(job, claim)));
    titles?.attach(this);
  }

  /**
   * Recovers what a previous process left: runs running or queued (interrupted), events its durable
   * log holds past the records (folded), and approvals it left pending (their expiry armed again;
   * parked runs wait on). Call once before serving.
   */
  async start(): Promise<{ recovered: Run[] }> {
    // In a cluster nothing is orphaned by this process starting: the queue hands a dead worker's runs
    // out again. Pending approvals' expiry is armed again (shared jobs: once, whoever arms it).
    if (this.#cluster) {
      await armPendingApprovals(this.#store, this.#timers);
      return { recovered: [] };
    }
    const recovered = await recoverConversations({ store: this.#store, eventLog: this.#eventLog, cache: this.#cache, checkpointer: this.#checkpointer, now: () => this.#clock.now() });
    if (recovered.length > 0) this.#logger.warn('marked runs interrupted after restart', { count: recovered.length });
    const approvals = await recoverApprovals({ store: this.#store, desk: this.#desk, timers: this.#timers, runQueue: this.#runQueue, clock: this.#clock });
    if (approvals.armed + approvals.expired + approvals.resumed > 0) this.#logger.warn('recovered approvals after restart', approvals);
    return { recovered };
  }

  /**
   * Ends a run the distributed queue gave up on (dispatched `maxAttempts` times, every worker lost):
   * taken over as `interrupted`, never continued.
   */
  async abandonRun(job: { conversationId: string; runId: string }, attempt: number): Promise<void> {
    const live = await this.#cache.use(job.conversationId).catch(() => undefined);
    if (!live) return;
    try {
      await this.#executor.execute(job, { attempt, signal: new AbortController().signal }, { abandon: true });
    } finally {
      this.#cache.release(live);
    }
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

  /** Full-text search of message text across conversations (or one project's), newest first. */
  searchMessages(query: { text: string; projectName?: string; limit?: number }): Promise<MessageSearchHit[]> {
    return this.#catalog.searchMessages(query);
  }

  /** Creates a conversation from an export (new ids; see Catalog.importConversation); resolves once stored. */
  importConversation(data: unknown, options: { projectName?: string; fallbackModel: string }): Promise<Conversation> {
    return this.#catalog.importConversation(data, options);
  }

  // Commands: each resolves once its change is durable

  updateConversation(conversationId: string, patch: ConversationPatch): Promise<Conversation> {
    return this.#commands.updateConversation(conversationId, patch);
  }

  /** A title model's answer; see model-titles.ts. Resolves true when the title was set. */
  applyGeneratedTitle(conversationId: string, generated: GeneratedTitle): Promise<boolean> {
    return this.#commands.applyGeneratedTitle(conversationId, generated);
  }

  /** Resolves once no title request is under way (tests). */
  titlesSettled(): Promise<void> {
    return this.#titles?.settled() ?? Promise.resolve();
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
  async stop(conversationId: string, options: { runId?: string } = {}): Promise<{ run: Run | null }> {
    // A run parked for an approval (or held behind one) has no worker to abort: ended here.
    return (await this.#parked.stop(conversationId, options)) ?? (await this.#commands.stop(conversationId, options));
  }

  /**
   * Answers a pending approval: `allow-once`, `allow-always` (remembered for the tool in this
   * conversation), `deny` or `deny-always`, with an optional note the model reads on a denial.
   * Resolves once the answer is stored; the run it blocked then resumes. `not_found` for an unknown
   * approval, `approval_closed` for one already answered, expired or cancelled.
   */
  async approve(conversationId: string, approvalId: string, input: ApproveInput): Promise<{ approval: Approval }> {
    return this.#desk.approve(conversationId, approvalId, parseInput(ApproveInputSchema, input, 'approval answer'));
  }

  /** Expires a pending approval that is due (a cluster's shared expiry job); nothing when it is settled or not due. */
  expireApproval(conversationId: string, approvalId: string): Promise<void> {
    return this.#desk.expire(conversationId, approvalId);
  }

  /** Starts a run that carries on from the last run's partial message (stopped, interrupted, failed or cut short). */
  continue(conversationId: string): Promise<{ run: Run }> {
    return this.#commands.continue(conversationId);
  }

  /** Queues a new reply to the user message `messageId` answers (or to `messageId`, a user message); earlier replies stay on their branches. */
  async regenerate(conversationId: string, input: MessageRefInput): Promise<{ run: Run }> {
    return this.#commands.regenerate(conversationId, parseInput(MessageRefInputSchema, input, 'regenerate request'));
  }

  /** Shows the branch through a message; resolves with the conversation once stored. */
  async selectBranch(conversationId: string, input: MessageRefInput): Promise<Conversation> {
    return this.#commands.selectBranch(conversationId, parseInput(MessageRefInputSchema, input, 'branch selection'));
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

  /** The conversation as a JSON export (every message of every branch), stamped with the hub's clock. */
  async exportConversation(conversationId: string): Promise<ConversationExport> {
    const { state } = await this.getConversation(conversationId);
    return exportConversation(state.conversation, state.messages, this.#clock.now());
  }

  /**
   * Subscribes to a conversation after `after` (a cursor). Replays the events after it when still
   * held, else starts with a snapshot; then live events. Close the subscription to leave.
   */
  async subscribe(conversationId: string, options: { after?: string; bufferLimit?: number } = {}): Promise<Subscription> {
    const live = await this.#cache.use(conversationId);
    return live.subscribe(options.after, options.bufferLimit ?? this.limits.subscriberBufferLimit);
  }

  /** Watches the catalog after `after` (a catalog cursor): replay when held, else `catalog-reload` first; then live. */
  watchCatalog(after: string | undefined): Promise<CatalogSubscription> {
    return this.catalogFeed.watch(after);
  }

  /** Live conversations: what is running, queued and watched. */
  sessions(): SessionInfo[] {
    return sessionsOf(this.#cache);
  }

  /** Checkpoints everything and ends: active runs become `interrupted` (and can be continued later). */
  async close(): Promise<void> {
    this.#timers.clear();
    await this.#titles?.close();
    await this.catalogFeed.close();
    if (this.#cluster) {
      // The queue stops handing this node runs; those it executes get a grace period to finish.
      const drained = this.#runQueue.close();
      await Promise.race([drained, delay(this.#cluster.shutdownGraceMs ?? 10_000)]);
      await this.#cache.close();
      await drained;
      return this.#checkpointer.flush();
    }
    await this.#cache.close();
    await this.#runQueue.close();
    await this.#checkpointer.flush();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function defaultTools(): ToolRegistry {
  const registry = new ToolRegistry();
  for (const tool of createProjectTools()) registry.register(tool);
  return registry;
}

export type { SendInput, NewConversation, ConversationPatch, ContextInput, SessionInfo };
