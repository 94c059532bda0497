import { randomBytes } from 'node:crypto';
import { ConfabError } from '../domain/errors.ts';
import type { BusyPolicy, ContextInput, Conversation, ConversationState, Message, Project, Run } from '../domain/schemas.ts';
import { emptyUsage, isTerminalRunStatus } from '../domain/schemas.ts';
import type { ConversationSummary, SessionInfo } from '../domain/records.ts';
import { resolveContext } from '../tools/context.ts';
import { createProjectTools } from '../tools/project/project-tools.ts';
import { ToolRegistry } from '../tools/tool-registry.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import { createIdGenerator, type IdGenerator } from '../util/ids.ts';
import { silentLogger, type Logger } from '../util/logger.ts';
import { Checkpointer } from './checkpointer.ts';
import type { EventLog } from './event-log/event-log.ts';
import { MemoryEventLog } from './event-log/memory-event-log.ts';
import { defaultLimits, type HubLimits, type SessionHubOptions } from './hub-options.ts';
import { LiveConversation } from './live-conversation.ts';
import { prepareProject } from './projects.ts';
import { recoverInterruptedRuns } from './recovery.ts';
import { MemoryRunQueue } from './run-queue/memory-run-queue.ts';
import type { RunJob, RunQueue } from './run-queue/run-queue.ts';
import { executeRun } from './run/execute-run.ts';
import { defaultRetryOptions } from './run/retry-policy.ts';
import type { AbortReason, RunDependencies } from './run/run-context.ts';
import type { Subscription } from './subscription.ts';
import { titleFromMessage } from './title.ts';
import { validateConversationPatch, validateSendInput, type ConversationPatch, type NewConversation, type SendInput } from './validate.ts';

/**
 * The engine's front door. Owns live conversations (state, event log, subscribers), accepts
 * commands from any client (send, stop, continue, edit, delete), and runs each turn independently
 * of any connection. Everything observable happens as events on the conversation's log.
 */
export class SessionHub {
  readonly limits: HubLimits;
  readonly #store: SessionHubOptions['store'];
  readonly #eventLog: EventLog;
  readonly #runQueue: RunQueue;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #logger: Logger;
  readonly #deps: RunDependencies;
  readonly #checkpointer: Checkpointer;
  readonly #lives = new Map<string, LiveConversation>();
  readonly #loading = new Map<string, Promise<LiveConversation>>();
  readonly #pendingSends = new Map<string, Promise<{ message: Message; run: Run }>>();
  #closing = false;

  constructor(options: SessionHubOptions) {
    this.limits = { ...defaultLimits, ...options.limits };
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#ids = options.ids ?? createIdGenerator({ now: () => this.#clock.now() });
    this.#logger = options.logger ?? silentLogger;
    this.#eventLog = options.eventLog ?? new MemoryEventLog({ clock: this.#clock, capacity: this.limits.logCapacity, newEpoch: () => randomBytes(6).toString('base64url') });
    this.#runQueue = options.runQueue ?? new MemoryRunQueue({ concurrency: this.limits.maxConcurrentRuns });
    this.#checkpointer = new Checkpointer({ store: this.#store, clock: this.#clock, intervalMs: this.limits.checkpointIntervalMs, logger: this.#logger });
    this.#deps = {
      persistence: this.#checkpointer,
      ids: this.#ids,
      clock: this.#clock,
      random: options.random ?? Math.random,
      logger: this.#logger,
      models: options.models,
      tools: options.tools ?? defaultTools(),
      retry: { ...defaultRetryOptions, ...options.retry },
      maxSteps: this.limits.maxSteps,
    };
    this.#runQueue.setWorker((job) => this.#execute(job));
  }

  /** Recovers runs a previous process left running or queued. Call once before serving. */
  async start(): Promise<{ recovered: Run[] }> {
    const recovered = await recoverInterruptedRuns(this.#store, this.#clock.now());
    if (recovered.length > 0) this.#logger.warn('marked runs interrupted after restart', { count: recovered.length });
    return { recovered };
  }

  /** Store transactions committed by checkpoints (for tests and benchmarks). */
  get checkpointCommits(): number {
    return this.#checkpointer.commits;
  }

  // Projects

  async createProject(input: { name: unknown; path: unknown }): Promise<Project> {
    const project = await prepareProject(input, this.#clock.now());
    if (await this.#store.getProject(project.name)) throw new ConfabError('bad_request', `A project named "${project.name}" already exists.`);
    const same = (await this.#store.listProjects()).find((existing) => existing.path === project.path);
    if (same) throw new ConfabError('bad_request', `The directory ${project.path} is already registered as project "${same.name}".`);
    await this.#store.createProject(project);
    return project;
  }

  listProjects(): Promise<Project[]> {
    return this.#store.listProjects();
  }

  async getProject(name: string): Promise<Project> {
    const project = await this.#store.getProject(name);
    if (!project) throw new ConfabError('not_found', `No project named "${name}".`);
    return project;
  }

  /** Deletes the project and its conversations (stopping their runs). */
  async deleteProject(name: string): Promise<void> {
    await this.getProject(name);
    for (const live of [...this.#lives.values()]) {
      if (live.state.conversation.projectName === name) await this.#unload(live, { kind: 'delete' });
    }
    await this.#store.deleteProject(name);
  }

  // Conversations

  async createConversation(input: NewConversation): Promise<Conversation> {
    const project = await this.getProject(input.projectName);
    if (input.model) this.#deps.models.resolve(input.model);
    const now = this.#clock.now();
    const conversation: Conversation = {
      id: this.#ids('conv'),
      projectName: project.name,
      title: input.title?.trim() ?? '',
      model: input.model ?? '',
      systemPrompt: input.systemPrompt ?? '',
      busyPolicy: input.busyPolicy ?? 'enqueue',
      usage: emptyUsage(),
      cost: null,
      createdAt: now,
      updatedAt: now,
    };
    validateConversationPatch(conversation, this.limits);
    await this.#store.commit({ conversations: [conversation] });
    return conversation;
  }

  listConversations(query: { projectName?: string; limit?: number; before?: number }): Promise<ConversationSummary[]> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), 200);
    return this.#store.listConversations({ projectName: query.projectName, limit, before: query.before });
  }

  /** The conversation's full state and the cursor it is current as of. */
  async getConversation(conversationId: string): Promise<{ state: ConversationState; cursor: string }> {
    const live = await this.#live(conversationId);
    const snapshot = live.snapshot();
    if (snapshot.type !== 'snapshot') throw new Error('unreachable');
    this.#scheduleRelease(live);
    return { state: snapshot.data.state, cursor: snapshot.cursor };
  }

  async updateConversation(conversationId: string, patch: ConversationPatch): Promise<Conversation> {
    const live = await this.#live(conversationId);
    const next = { ...live.state.conversation, ...definedOnly(patch), updatedAt: this.#clock.now() };
    validateConversationPatch(next, this.limits);
    if (patch.model !== undefined) this.#deps.models.resolve(patch.model);
    live.emit({ type: 'conversation-updated', runId: null, data: { conversation: next } });
    await this.#checkpointer.sync();
    this.#scheduleRelease(live);
    return next;
  }

  /** Stops any run and deletes the conversation for good. */
  async deleteConversation(conversationId: string): Promise<void> {
    const live = this.#lives.get(conversationId) ?? (await this.#loading.get(conversationId)?.catch(() => undefined));
    if (live) await this.#unload(live, { kind: 'delete' });
    const existed = await this.#store.deleteConversation(conversationId);
    if (!existed && !live) throw new ConfabError('not_found', `No conversation ${conversationId}.`);
  }

  // Commands

  /** Adds a user message and starts (or queues) the run that answers it. */
  async send(conversationId: string, input: SendInput): Promise<{ message: Message; run: Run }> {
    validateSendInput(input, this.limits);
    const result = await this.#sendOnce(conversationId, input);
    // Nothing is acknowledged before it is durable: the queued run carries the user message. Also
    // for a repeated request, whose first answer may not have been stored yet. Sends in the same
    // event-loop turn share one transaction (the checkpointer's group commit).
    await this.#checkpointer.sync();
    return result;
  }

  /** Concurrent sends with the same `clientRequestId` share one promise. */
  #sendOnce(conversationId: string, input: SendInput): Promise<{ message: Message; run: Run }> {
    if (input.clientRequestId === undefined) return this.#send(conversationId, input);
    const key = `${conversationId}\0${input.clientRequestId}`;
    const pending = this.#pendingSends.get(key);
    if (pending) return pending;
    const promise = this.#send(conversationId, input).finally(() => this.#pendingSends.delete(key));
    this.#pendingSends.set(key, promise);
    return promise;
  }

  async #send(conversationId: string, input: SendInput): Promise<{ message: Message; run: Run }> {
    const live = await this.#live(conversationId);
    try {
      if (input.clientRequestId !== undefined) {
        const existing = await this.#findByClientRequestId(live, input.clientRequestId);
        if (existing) return existing;
      }
      const conversation = live.state.conversation;
      this.#requireModel(conversation.model);
      const policy: BusyPolicy = input.onBusy ?? conversation.busyPolicy;
      const queuedCount = live.state.runs.filter((run) => run.status === 'queued').length;
      const busy = live.active !== undefined || queuedCount > 0;
      if (busy && policy === 'reject') throw new ConfabError('conversation_busy', 'A run is in progress; this conversation rejects new messages while busy.');
      if (queuedCount >= this.limits.maxQueuedRuns) throw new ConfabError('conversation_busy', `This conversation already has ${queuedCount} queued runs (the limit).`);

      const project = await this.getProject(conversation.projectName);
      const context = await resolveContext(project.path, input.context ?? [], { newId: () => this.#ids('part'), maxBytes: this.limits.maxContextBytes });
      const now = this.#clock.now();
      const runId = this.#ids('run');
      const message: Message = {
        id: this.#ids('msg'),
        conversationId,
        role: 'user',
        parts: [...context, { id: this.#ids('part'), kind: 'text', text: input.content }],
        status: 'completed',
        runId,
        model: null,
        usage: null,
        cost: null,
        createdAt: now,
        updatedAt: now,
      };
      const run = this.#newRun(live, { id: runId, trigger: 'send', userMessageId: message.id, input: message, clientRequestId: input.clientRequestId ?? null });
      if (conversation.title === '' && !live.state.messages.some((existing) => existing.role === 'user')) {
        const title = titleFromMessage(input.content);
        if (title !== '') live.emit({ type: 'conversation-updated', runId: null, data: { conversation: { ...conversation, title, updatedAt: now } } });
      }
      live.emit({ type: 'run-queued', runId, data: { run } });
      this.#runQueue.push({ conversationId, runId }, { front: policy === 'interrupt' });
      if (busy && policy === 'interrupt' && live.active) live.active.controller.abort({ kind: 'stop' } satisfies AbortReason);
      return { message, run };
    } finally {
      this.#scheduleRelease(live);
    }
  }

  /**
   * Stops the active run (or, given `runId` of a queued run, takes it off the queue). Stopping an
   * idle conversation is a no-op. Resolves once the run has ended, with the run as it ended.
   */
  async stop(conversationId: string, options: { runId?: string } = {}): Promise<{ run: Run | null }> {
    const live = await this.#live(conversationId);
    try {
      const target = options.runId ? live.findRun(options.runId) : undefined;
      if (target?.status === 'queued' && this.#runQueue.remove(target.id)) {
        const run: Run = { ...target, status: 'stopped', finishReason: 'stopped', endedAt: this.#clock.now() };
        live.emit({ type: 'run-stopped', runId: run.id, data: { run } });
        await this.#checkpointer.sync();
        return { run };
      }
      const active = live.active;
      if (!active || (options.runId && options.runId !== active.runId)) return { run: null };
      active.controller.abort({ kind: 'stop' } satisfies AbortReason);
      await active.done;
      return { run: live.findRun(active.runId) ?? (await this.#store.getRun(active.runId)) ?? null };
    } finally {
      this.#scheduleRelease(live);
    }
  }

  /** Starts a run that carries on from the last run's partial message (stopped, interrupted, failed or cut short). */
  async continue(conversationId: string): Promise<{ run: Run }> {
    const live = await this.#live(conversationId);
    try {
      if (live.active || live.state.runs.some((run) => run.status === 'queued')) {
        throw new ConfabError('conversation_busy', 'A run is in progress; continue after it ends.');
      }
      this.#requireModel(live.state.conversation.model);
      const last = live.state.runs.filter((run) => isTerminalRunStatus(run.status)).at(-1);
      const continuable =
        last && (last.status === 'stopped' || last.status === 'interrupted' || last.status === 'failed' || last.finishReason === 'length' || last.finishReason === 'tool-limit');
      if (!last || !continuable) throw new ConfabError('nothing_to_continue', 'The last run completed; there is nothing to continue.');
      const run = this.#newRun(live, { id: this.#ids('run'), trigger: 'continue', userMessageId: null, input: null, clientRequestId: null, assistantMessageId: last.assistantMessageId });
      live.emit({ type: 'run-queued', runId: run.id, data: { run } });
      this.#runQueue.push({ conversationId, runId: run.id });
      await this.#checkpointer.sync();
      return { run };
    } finally {
      this.#scheduleRelease(live);
    }
  }

  /**
   * Subscribes to a conversation after `after` (a cursor). Replays the events after it when still
   * held, else starts with a snapshot; then live events. Close the subscription to leave.
   */
  async subscribe(conversationId: string, options: { after?: string; bufferLimit?: number } = {}): Promise<Subscription> {
    const live = await this.#live(conversationId);
    return live.subscribe(options.after, options.bufferLimit ?? this.limits.subscriberBufferLimit);
  }

  /** Live conversations: what is running, queued and watched. */
  sessions(): SessionInfo[] {
    return [...this.#lives.values()].map((live) => ({
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
    this.#closing = true;
    await Promise.all([...this.#lives.values()].map((live) => this.#unload(live, { kind: 'shutdown' })));
    await this.#checkpointer.flush();
  }

  // Internals

  #newRun(live: LiveConversation, fields: Pick<Run, 'id' | 'trigger' | 'userMessageId' | 'input' | 'clientRequestId'> & { assistantMessageId?: string | null }): Run {
    return {
      conversationId: live.id,
      status: 'queued',
      model: live.state.conversation.model,
      assistantMessageId: null,
      finishReason: null,
      usage: emptyUsage(),
      cost: null,
      attempts: 0,
      steps: 0,
      error: null,
      agentSessionId: null,
      createdAt: this.#clock.now(),
      startedAt: null,
      endedAt: null,
      ...fields,
    };
  }

  #requireModel(model: string): void {
    if (model === '') {
      throw new ConfabError('unknown_model', 'No model is set for this conversation. Configure a provider (OPENAI_API_KEY, ANTHROPIC_API_KEY, OLLAMA_HOST or a config file) and choose a model.');
    }
    this.#deps.models.resolve(model);
  }

  async #findByClientRequestId(live: LiveConversation, clientRequestId: string): Promise<{ message: Message; run: Run } | undefined> {
    const run = live.state.runs.find((candidate) => candidate.clientRequestId === clientRequestId) ?? (await this.#store.findRunByClientRequestId(live.id, clientRequestId));
    if (!run) return undefined;
    const message = run.input ?? live.state.messages.find((candidate) => candidate.id === run.userMessageId);
    if (!message) throw new ConfabError('internal', 'The earlier request with this clientRequestId has no message.');
    return { message, run: live.findRun(run.id) ?? run };
  }

  async #execute(job: RunJob): Promise<void> {
    const live = this.#lives.get(job.conversationId);
    const queued = live?.findRun(job.runId);
    if (!live || !queued || queued.status !== 'queued' || live.deleted) return;
    const controller = new AbortController();
    let finished!: () => void;
    live.active = { runId: job.runId, controller, done: new Promise<void>((resolve) => (finished = resolve)) };
    if (live.releaseTimer) this.#clock.clearTimeout(live.releaseTimer);
    try {
      const project = await this.#store.getProject(live.state.conversation.projectName);
      await executeRun(live, queued, project?.path ?? process.cwd(), controller.signal, this.#deps);
    } catch (error) {
      this.#logger.error('run crashed', { runId: job.runId, error });
    } finally {
      live.active = undefined;
      finished();
      this.#scheduleRelease(live);
    }
  }

  async #live(conversationId: string): Promise<LiveConversation> {
    if (this.#closing) throw new ConfabError('internal', 'The server is shutting down.');
    const existing = this.#lives.get(conversationId);
    if (existing) {
      if (existing.releaseTimer) this.#clock.clearTimeout(existing.releaseTimer);
      existing.releaseTimer = undefined;
      return existing;
    }
    let loading = this.#loading.get(conversationId);
    if (!loading) {
      loading = this.#load(conversationId).finally(() => this.#loading.delete(conversationId));
      this.#loading.set(conversationId, loading);
    }
    return loading;
  }

  async #load(conversationId: string): Promise<LiveConversation> {
    const conversation = await this.#store.getConversation(conversationId);
    if (!conversation) throw new ConfabError('not_found', `No conversation ${conversationId}.`);
    const [messages, runs, lastSeq] = await Promise.all([
      this.#store.listMessages(conversationId),
      this.#store.listRuns(conversationId),
      this.#store.getLastSeq(conversationId),
    ]);
    const lastEnded = runs.filter((run) => isTerminalRunStatus(run.status)).at(-1);
    const state: ConversationState = {
      conversation,
      messages,
      runs: [...(lastEnded ? [lastEnded] : []), ...runs.filter((run) => !isTerminalRunStatus(run.status))],
    };
    const live = new LiveConversation({
      state,
      log: this.#eventLog.open(conversationId, { lastSeq }),
      onDirty: (changed) => this.#checkpointer.markDirty(changed),
      onUnsubscribe: (changed) => this.#scheduleRelease(changed),
    });
    this.#lives.set(conversationId, live);
    return live;
  }

  /** Releases a conversation from memory once nothing uses it for `idleReleaseMs`. */
  #scheduleRelease(live: LiveConversation): void {
    if (!live.isIdle || live.deleted || this.#closing || this.#lives.get(live.id) !== live) return;
    if (live.releaseTimer) this.#clock.clearTimeout(live.releaseTimer);
    live.releaseTimer = this.#clock.setTimeout(() => {
      live.releaseTimer = undefined;
      if (!live.isIdle || this.#lives.get(live.id) !== live) return;
      void this.#checkpointer.flush().then(() => {
        if (!live.isIdle || this.#lives.get(live.id) !== live) return;
        this.#lives.delete(live.id);
        live.log.close();
      });
    }, this.limits.idleReleaseMs);
  }

  /** Takes a conversation out of memory: deleted (runs stopped, no more writes) or shut down (runs interrupted). */
  async #unload(live: LiveConversation, reason: AbortReason): Promise<void> {
    if (live.releaseTimer) this.#clock.clearTimeout(live.releaseTimer);
    for (const run of live.state.runs.filter((candidate) => candidate.status === 'queued')) {
      this.#runQueue.remove(run.id);
      if (reason.kind === 'shutdown') {
        if (run.input) live.emit({ type: 'message-created', runId: run.id, data: { message: run.input } });
        live.emit({ type: 'run-interrupted', runId: run.id, data: { run: { ...run, status: 'interrupted', finishReason: 'interrupted', endedAt: this.#clock.now() } } });
      }
    }
    if (reason.kind === 'delete') {
      live.deleted = true;
      this.#checkpointer.forget(live);
      live.emit({ type: 'conversation-deleted', runId: null, data: { conversationId: live.id } });
      for (const subscription of live.subscriptions) subscription.end();
    }
    const active = live.active;
    if (active) {
      active.controller.abort(reason);
      await active.done;
    }
    if (reason.kind === 'shutdown') {
      await this.#checkpointer.flush();
      for (const subscription of live.subscriptions) subscription.end();
    }
    this.#lives.delete(live.id);
    live.log.close();
  }
}

function defaultTools(): ToolRegistry {
  const registry = new ToolRegistry();
  for (const tool of createProjectTools()) registry.register(tool);
  return registry;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

export type { SendInput, NewConversation, ConversationPatch, ContextInput, SessionInfo };
