import { randomUUID } from 'node:crypto';
import type { ConfabClient, ContextInput, Conversation, ConversationWatch, Project, RequestLimits, Run, WatchState } from '../client/index.ts';
import { checkMessage } from './message-limits.ts';
import { ReplyPrinter } from './reply-printer.ts';
import type { Screen } from './screen.ts';

/** Request ids remembered to recognise this session's own runs (older ones are long finished). */
const rememberedRequests = 200;

/**
 * What one `confab chat` is attached to: a project, the current conversation (created with the
 * first message after `/new`), its live watch and the printer that shows it, plus what the next
 * message carries (context) and the model a not-yet-created conversation will use.
 */
export class ChatSession {
  readonly client: ConfabClient;
  readonly screen: Screen;
  readonly interactive: boolean;
  project: Project;
  conversation: Conversation | null = null;
  /** For a conversation not created yet (after /new): its model. */
  pendingModel: string | undefined;
  /** Attached to the next message (`/context`). */
  pendingContext: ContextInput[] = [];
  /** The server's request limits, checked before a message creates a conversation (null: unknown). */
  limits: RequestLimits | null = null;
  /** Called after every change the watch shows (the prompt comes back when idle). */
  onChange: () => void = () => undefined;
  readonly #ownRequests = new Set<string>();
  #watch: ConversationWatch | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(options: { client: ConfabClient; screen: Screen; interactive: boolean; project: Project }) {
    this.client = options.client;
    this.screen = options.screen;
    this.interactive = options.interactive;
    this.project = options.project;
  }

  get watchState(): WatchState | null {
    return this.#watch?.current ?? null;
  }

  /** The run executing now in the current conversation, if any. */
  get activeRun(): Run | null {
    return this.#watch?.current.activeRun ?? null;
  }

  /** A run is executing or waiting in the current conversation. */
  get busy(): boolean {
    return (this.#watch?.current.status ?? 'idle') !== 'idle';
  }

  /** Watches an existing conversation (its project becomes the session's); throws when it cannot be loaded. */
  async open(conversationId: string): Promise<Conversation> {
    const watch = this.client.watch(conversationId);
    try {
      await watch.ready;
    } catch (error) {
      watch.close();
      throw error;
    }
    const conversation = watch.current.state!.conversation;
    if (conversation.projectName !== this.project.name) this.project = await this.client.projects.get(conversation.projectName);
    this.#attach(watch);
    this.conversation = conversation;
    this.pendingModel = undefined;
    return conversation;
  }

  /** Leaves the current conversation; the next message creates a new one in the same project. */
  startNew(): void {
    this.#detach();
    this.conversation = null;
  }

  /** Sends a message (creating the conversation first if needed) with the pending context; resolves with its run. */
  async send(content: string): Promise<Run> {
    checkMessage(this.limits, 'message', content, this.pendingContext.length);
    if (!this.conversation) {
      const created = await this.client.conversations.create({ projectName: this.project.name, model: this.pendingModel });
      await this.open(created.id);
      this.screen.statusLine(`· new conversation ${created.id}`);
    }
    const requestId = randomUUID();
    this.#remember(requestId);
    const context = this.pendingContext.length === 0 ? undefined : this.pendingContext;
    const { run } = await this.#watch!.send(content, { clientRequestId: requestId, context });
    this.pendingContext = [];
    return run;
  }

  /** Stops the active run; null when nothing was running. */
  async stop(): Promise<Run | null> {
    if (!this.#watch || !this.activeRun) return null;
    return (await this.#watch.stop(this.activeRun.id)).run;
  }

  /** Carries on with the last stopped, interrupted or length-cut reply, as a new run. */
  async continueReply(): Promise<Run> {
    if (!this.#watch) throw new Error('no conversation is open');
    return (await this.#watch.continue()).run;
  }

  /** Resolves when `runId` (of the current conversation) has ended. */
  waitForEnd(runId: string): Promise<Run> {
    if (!this.#watch) return Promise.reject(new Error('no conversation is open'));
    return this.#watch.runEnded(runId);
  }

  /** Sets the model of the current conversation (from its next run), or of the next one created. */
  async setModel(model: string): Promise<void> {
    if (this.conversation) this.conversation = await this.client.conversations.update(this.conversation.id, { model });
    else this.pendingModel = model;
  }

  isOwn(run: Run): boolean {
    return run.clientRequestId !== null && this.#ownRequests.has(run.clientRequestId);
  }

  close(): void {
    this.#detach();
  }

  #attach(watch: ConversationWatch): void {
    this.#detach();
    const printer = new ReplyPrinter({
      screen: this.screen,
      // A terminal already shows what the user typed; show it again only when the reply comes later.
      echoUser: (run, queued) => !this.interactive || !this.isOwn(run) || queued,
      announceEnds: true,
      announceQueued: true,
    });
    this.#watch = watch;
    const update = (state: WatchState) => {
      if (state.state) this.conversation = state.state.conversation;
      printer.update(state);
      this.onChange();
    };
    const unsubscribe = watch.subscribe(update);
    this.#unsubscribe = () => {
      unsubscribe();
      watch.close();
    };
    update(watch.current);
  }

  #detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#watch = null;
  }

  #remember(requestId: string): void {
    this.#ownRequests.add(requestId);
    if (this.#ownRequests.size > rememberedRequests) this.#ownRequests.delete(this.#ownRequests.values().next().value!);
  }
}
