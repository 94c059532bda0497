import { ConfabError } from '../domain/errors.ts';
import type { BusyPolicy, ContextInput, ContextPart, Conversation, Message, Project, Run } from '../domain/schemas.ts';
import { isTerminalRunStatus } from '../domain/schemas.ts';
import type { Store } from '../store/store.ts';
import { resolveContext } from '../tools/context.ts';
import type { Clock } from '../util/clock.ts';
import type { IdGenerator } from '../util/ids.ts';
import type { Catalog } from './catalog.ts';
import type { Checkpointer } from './checkpointer.ts';
import type { ConversationCache } from './conversation-cache.ts';
import type { HubLimits } from './hub-options.ts';
import type { LiveConversation } from './live-conversation.ts';
import type { GeneratedTitle } from './model-titles.ts';
import type { RunQueue } from './run-queue/run-queue.ts';
import type { ModelResolver } from './run/run-context.ts';
import type { RemoteExecution } from './run/remote-execution.ts';
import type { RunControl } from './run-control/run-control.ts';
import { checkSendParent, findMessage, regenerateTarget, requireBranchable, showBranch } from './branch-checks.ts';
import { newRunRecord } from './run/new-run.ts';
import { addCost, addUsage } from './run/usage.ts';
import { sendTrigger } from './steer-policy.ts';
import { titleFromMessage } from './title.ts';
import { validateConversationPatch, validateSendInput, type ConversationPatch, type SendInput } from './validate.ts';

/**
 * The commands any client may send about a conversation: send (also from an earlier message: a
 * new branch), regenerate, select a branch, stop, continue, edit, delete. Each
 * resolves only once its change is durable (nothing is acknowledged before it is stored); runs are
 * handed to the run queue and never depend on the connection that sent them.
 */
export class Commands {
  readonly #store: Store;
  readonly #cache: ConversationCache;
  readonly #catalog: Catalog;
  readonly #checkpointer: Checkpointer;
  readonly #runQueue: RunQueue;
  readonly #runControl: RunControl;
  readonly #models: ModelResolver;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #limits: HubLimits;
  readonly #remote: RemoteExecution | undefined;
  readonly #pendingSends = new Map<string, Promise<{ message: Message; run: Run }>>();

  constructor(options: {
    store: Store;
    cache: ConversationCache;
    catalog: Catalog;
    checkpointer: Checkpointer;
    runQueue: RunQueue;
    runControl: RunControl;
    models: ModelResolver;
    clock: Clock;
    ids: IdGenerator;
    limits: HubLimits;
    /** Where runs of projects served by machine workers execute (and their attached files are read). */
    remote?: RemoteExecution;
  }) {
    this.#store = options.store;
    this.#cache = options.cache;
    this.#catalog = options.catalog;
    this.#checkpointer = options.checkpointer;
    this.#runQueue = options.runQueue;
    this.#runControl = options.runControl;
    this.#models = options.models;
    this.#clock = options.clock;
    this.#ids = options.ids;
    this.#limits = options.limits;
    this.#remote = options.remote;
  }

  async updateConversation(conversationId: string, patch: ConversationPatch): Promise<Conversation> {
    const live = await this.#use(conversationId);
    const next = { ...live.state.conversation, ...definedOnly(patch), updatedAt: this.#clock.now() };
    validateConversationPatch(next, this.#limits);
    if (patch.model !== undefined) this.#models.resolve(patch.model);
    live.emit({ type: 'conversation-updated', runId: null, data: { conversation: next } });
    await this.#durable(live);
    this.#cache.release(live);
    return next;
  }

  /**
   * A title model's answer (model-titles.ts): the title is set only while the conversation still has
   * `expectedTitle` (a rename meanwhile wins); the request's usage and cost join the totals either way.
   */
  async applyGeneratedTitle(conversationId: string, generated: GeneratedTitle): Promise<boolean> {
    const live = await this.#use(conversationId);
    try {
      const current = live.state.conversation;
      const applies = generated.title !== null && current.title === generated.expectedTitle;
      const next = {
        ...current,
        ...(applies ? { title: generated.title! } : {}),
        usage: addUsage(current.usage, generated.usage),
        cost: addCost(current.cost, generated.cost),
        updatedAt: this.#clock.now(),
      };
      live.emit({ type: 'conversation-updated', runId: null, data: { conversation: next } });
      await this.#durable(live);
      return applies;
    } finally {
      this.#cache.release(live);
    }
  }

  /** Stops any run and deletes the conversation for good. */
  async deleteConversation(conversationId: string): Promise<void> {
    const live = await this.#cache.loaded(conversationId);
    if (live) await this.#cache.unload(live, { kind: 'delete' });
    const existed = await this.#store.deleteConversation(conversationId);
    if (!existed && !live) throw new ConfabError('not_found', `No conversation ${conversationId}.`);
  }

  /** Adds a user message and starts (or queues) the run that answers it; under `steer`, one the running agent turn may take (steer-policy.ts). */
  async send(conversationId: string, input: SendInput): Promise<{ message: Message; run: Run }> {
    validateSendInput(input, this.#limits);
    return this.#sendOnce(conversationId, input);
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
    const live = await this.#use(conversationId);
    try {
      if (input.clientRequestId !== undefined) {
        const existing = await this.#findByClientRequestId(live, input.clientRequestId);
        if (existing) {
          // A repeated request: its first answer may not have been stored yet.
          await this.#durable(live);
          return existing;
        }
      }
      const conversation = live.state.conversation;
      this.#requireModel(conversation.model);
      const policy: BusyPolicy = input.onBusy ?? conversation.busyPolicy;
      const queuedCount = live.state.runs.filter((run) => run.status === 'queued').length;
      const busy = queuedCount > 0 || live.state.runs.some((run) => run.status === 'running' || run.status === 'requires-action');
      if (busy && policy === 'reject') throw new ConfabError('conversation_busy', 'A run is in progress; this conversation rejects new messages while busy.');
      if (queuedCount >= this.#limits.maxQueuedRuns) throw new ConfabError('conversation_busy', `This conversation already has ${queuedCount} queued runs (the limit).`);

      if (input.parentId !== undefined) {
        checkSendParent(live.state, input.parentId);
        requireBranchable(this.#models, conversation.model);
      }
      const project = await this.#catalog.getProject(conversation.projectName);
      const trigger = busy && policy === 'steer' ? sendTrigger(live.state, this.#models, { explicit: input.onBusy === 'steer', onMachineWorkers: project.path === '' }) : 'send';
      const context = await this.#context(project, input.context ?? []);
      const now = this.#clock.now();
      const runId = this.#ids('run');
      const message: Message = {
        id: this.#ids('msg'),
        conversationId,
        role: 'user',
        ...(input.parentId !== undefined ? { parentId: input.parentId } : {}),
        parts: [...context, { id: this.#ids('part'), kind: 'text', text: input.content }],
        status: 'completed',
        runId,
        model: null,
        usage: null,
        cost: null,
        createdAt: now,
        updatedAt: now,
      };
      const run = this.#newRun(live, { id: runId, trigger, userMessageId: message.id, input: message, clientRequestId: input.clientRequestId ?? null });
      if (conversation.title === '' && !live.state.messages.some((existing) => existing.role === 'user')) {
        const title = titleFromMessage(input.content);
        if (title !== '') live.emit({ type: 'conversation-updated', runId: null, data: { conversation: { ...conversation, title, updatedAt: now } } });
      }
      // Sent from an earlier message (an edit, a new branch): the branch through it is shown.
      if (input.parentId !== undefined) showBranch(live, input.parentId);
      live.emit({ type: 'run-queued', runId, data: { run } });
      await this.#runQueue.push({ conversationId, runId }, { front: policy === 'interrupt' });
      const running = live.state.runs.find((candidate) => candidate.status === 'running');
      if (busy && policy === 'interrupt' && running) await this.#runControl.requestStop(running.id, { kind: 'stop' });
      // Nothing is acknowledged before it is durable: the queued run carries the user message.
      await this.#durable(live);
      return { message, run };
    } finally {
      this.#cache.release(live);
    }
  }

  /** The context parts of attached files: read where the project's runs read files (a machine worker's directory, for a project workers serve). */
  #context(project: Project, inputs: ContextInput[]): Promise<ContextPart[]> {
    const options = { newId: () => this.#ids('part'), maxBytes: this.#limits.maxContextBytes };
    if (this.#remote?.serves(project) && inputs.some((input) => input.content === undefined)) return this.#remote.readContext(project, inputs, options);
    return resolveContext(project.path, inputs, options);
  }

  /**
   * Stops the active run (or, given `runId` of a queued run, takes it off the queue). Stopping an
   * idle conversation is a no-op. Resolves once the run has ended, with the run as it ended.
   */
  async stop(conversationId: string, options: { runId?: string } = {}): Promise<{ run: Run | null }> {
    const live = await this.#use(conversationId);
    try {
      const target = options.runId
        ? live.findRun(options.runId)
        : (live.state.runs.find((run) => run.status === 'running') ?? live.state.runs.find((run) => run.status === 'queued'));
      if (!target || isTerminalRunStatus(target.status)) return { run: null };
      if (target.status === 'queued' && (await this.#runQueue.remove(target.id))) {
        const run: Run = { ...target, status: 'stopped', finishReason: 'stopped', endedAt: this.#clock.now() };
        live.emit({ type: 'run-stopped', runId: run.id, data: { run } });
        await this.#durable(live);
        return { run };
      }
      // Running, or claimed by a worker that has not started it yet: the stop reaches whichever
      // worker executes the run (a request before it starts is kept for it), and the answer
      // waits for the run's end.
      const ended = live.runEnded(target.id);
      await this.#runControl.requestStop(target.id, { kind: 'stop' });
      return { run: (await ended) ?? (await this.#store.getRun(target.id)) ?? null };
    } finally {
      this.#cache.release(live);
    }
  }

  /** Starts a run that carries on from the last run's partial message (stopped, interrupted, failed or cut short). */
  async continue(conversationId: string): Promise<{ run: Run }> {
    const live = await this.#use(conversationId);
    try {
      this.#requireIdle(live, 'continue');
      this.#requireModel(live.state.conversation.model);
      const last = live.state.runs.filter((run) => isTerminalRunStatus(run.status)).at(-1);
      const continuable =
        last && (last.status === 'stopped' || last.status === 'interrupted' || last.status === 'failed' || last.finishReason === 'length' || last.finishReason === 'tool-limit');
      if (!last || !continuable) throw new ConfabError('nothing_to_continue', 'The last run completed; there is nothing to continue.');
      return await this.#queueIdle(live, { trigger: 'continue', userMessageId: null, assistantMessageId: last.assistantMessageId });
    } finally {
      this.#cache.release(live);
    }
  }

  /**
   * Queues a new reply to the user message that `messageId` answers (or to `messageId` itself, a
   * user message), beside the replies it has: the earlier ones stay, on their own branches.
   */
  async regenerate(conversationId: string, input: { messageId: string }): Promise<{ run: Run }> {
    const live = await this.#use(conversationId);
    try {
      this.#requireIdle(live, 'regenerate');
      this.#requireModel(live.state.conversation.model);
      requireBranchable(this.#models, live.state.conversation.model);
      const user = regenerateTarget(live.state, input.messageId);
      showBranch(live, user.id);
      return await this.#queueIdle(live, { trigger: 'regenerate', userMessageId: user.id });
    } finally {
      this.#cache.release(live);
    }
  }

  /** Shows the branch through `messageId`: its ancestors, itself, and the newest replies below it. */
  async selectBranch(conversationId: string, input: { messageId: string }): Promise<Conversation> {
    const live = await this.#use(conversationId);
    try {
      findMessage(live.state, input.messageId);
      showBranch(live, input.messageId);
      await this.#durable(live);
      return live.state.conversation;
    } finally {
      this.#cache.release(live);
    }
  }

  /** Queues a run with no user message of its own (the conversation is idle), acknowledged once durable. */
  async #queueIdle(live: LiveConversation, fields: Pick<Run, 'trigger' | 'userMessageId'> & { assistantMessageId?: string | null }): Promise<{ run: Run }> {
    const run = this.#newRun(live, { id: this.#ids('run'), input: null, clientRequestId: null, ...fields });
    live.emit({ type: 'run-queued', runId: run.id, data: { run } });
    await this.#runQueue.push({ conversationId: live.id, runId: run.id });
    await this.#durable(live);
    return { run };
  }

  #requireIdle(live: LiveConversation, command: string): void {
    if (live.state.runs.some((run) => run.status === 'queued' || run.status === 'running' || run.status === 'requires-action')) {
      throw new ConfabError('conversation_busy', `A run is in progress; ${command} after it ends.`);
    }
  }

  /** The live conversation, with every event emitted so far folded into its state. */
  async #use(conversationId: string): Promise<LiveConversation> {
    const live = await this.#cache.use(conversationId);
    await live.flush();
    return live;
  }

  /**
   * Resolves once everything this conversation emitted is folded and stored. Commands in the
   * same event-loop turn share one store transaction (the checkpointer's group commit).
   */
  async #durable(live: LiveConversation): Promise<void> {
    await live.flush();
    await this.#checkpointer.sync();
  }

  #newRun(live: LiveConversation, fields: Pick<Run, 'id' | 'trigger' | 'userMessageId' | 'input' | 'clientRequestId'> & { assistantMessageId?: string | null }): Run {
    return newRunRecord({ conversationId: live.id, model: live.state.conversation.model, createdAt: this.#clock.now() }, fields);
  }

  #requireModel(model: string): void {
    if (model === '') {
      throw new ConfabError('unknown_model', 'No model is set for this conversation. Configure a provider (OPENAI_API_KEY, ANTHROPIC_API_KEY, OLLAMA_HOST or a config file) and choose a model.');
    }
    this.#models.resolve(model);
  }

  async #findByClientRequestId(live: LiveConversation, clientRequestId: string): Promise<{ message: Message; run: Run } | undefined> {
    const run = live.state.runs.find((candidate) => candidate.clientRequestId === clientRequestId) ?? (await this.#store.findRunByClientRequestId(live.id, clientRequestId));
    if (!run) return undefined;
    const message = run.input ?? live.state.messages.find((candidate) => candidate.id === run.userMessageId);
    if (!message) throw new ConfabError('internal', 'The earlier request with this clientRequestId has no message.');
    return { message, run: live.findRun(run.id) ?? run };
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
