import { randomUUID } from 'node:crypto';
import { activeBranch, branchTree, siblingsOf } from '../client/index.ts';
import type { Approval, ApprovalDecision, ConfabClient, ContextInput, Conversation, ConversationWatch, Message, Project, RequestLimits, Run, WatchState } from '../client/index.ts';
import { approvalQuestion } from './approval-answer.ts';
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
  /** Approvals whose question was printed (only pending ones are kept). */
  readonly #asked = new Set<string>();
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

  /** The approval the next typed line answers, if one is pending. */
  get pendingApproval(): Approval | null {
    return this.#watch?.current.approvals[0] ?? null;
  }

  /** Answers the pending approval; resolves once the server stored the answer. */
  async approve(approval: Approval, decision: ApprovalDecision, note?: string): Promise<void> {
    if (!this.#watch) throw new Error('no conversation is open');
    await this.#watch.approve(approval.id, decision, note);
  }

  /** Resolves when `runId` has ended or waits for an approval (then with 'approval'). */
  waitForEndOrApproval(runId: string): Promise<Run | 'approval'> {
    const watch = this.#watch;
    if (!watch) return Promise.reject(new Error('no conversation is open'));
    if (watch.current.approvals.length > 0) return Promise.resolve('approval');
    return new Promise((resolve, reject) => {
      const stop = watch.subscribe((state) => {
        if (state.approvals.length === 0) return;
        stop();
        resolve('approval');
      });
      watch.runEnded(runId).then(
        (run) => (stop(), resolve(run)),
        (error: unknown) => (stop(), reject(error)),
      );
    });
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

  /**
   * Sends a message (creating the conversation first if needed) with the pending context; resolves
   * with its run. `parentId`: send it after that reply instead (an edit: a new branch).
   */
  async send(content: string, options: { parentId?: string | null } = {}): Promise<Run> {
    checkMessage(this.limits, 'message', content, this.pendingContext.length);
    if (!this.conversation) {
      const created = await this.client.conversations.create({ projectName: this.project.name, model: this.pendingModel });
      await this.open(created.id);
      this.screen.statusLine(`· new conversation ${created.id}`);
    }
    const requestId = randomUUID();
    this.#remember(requestId);
    const context = this.pendingContext.length === 0 ? undefined : this.pendingContext;
    const { run } = await this.#watch!.send(content, { clientRequestId: requestId, context, ...options });
    this.pendingContext = [];
    return run;
  }

  /** Stops the active run, or the one waiting for an approval; null when there was none. */
  async stop(): Promise<Run | null> {
    const target = this.activeRun ?? this.#watch?.current.state?.runs.find((run) => run.status === 'requires-action');
    if (!this.#watch || !target) return null;
    return (await this.#watch.stop(target.id)).run;
  }

  /** Carries on with the last stopped, interrupted or length-cut reply, as a new run. */
  async continueReply(): Promise<Run> {
    if (!this.#watch) throw new Error('no conversation is open');
    return (await this.#watch.continue()).run;
  }

  /** The branch shown, first message first (empty before the first message). */
  get branch(): Message[] {
    const state = this.#watch?.current.state;
    return state ? activeBranch(state.messages, state.conversation.activeMessageId) : [];
  }

  /** A new version of the last reply shown (the old one stays as another version); null when there is none. */
  async regenerate(): Promise<Run | null> {
    const last = this.branch.at(-1);
    if (!this.#watch || !last) return null;
    return (await this.#watch.regenerate(last.id)).run;
  }

  /** Sends `content` as a new version of the last message you sent; null when there is none. */
  async editLast(content: string): Promise<Run | null> {
    const branch = this.branch;
    const index = branch.findLastIndex((message) => message.role === 'user');
    if (index === -1) return null;
    return this.send(content, { parentId: branch[index - 1]?.id ?? null });
  }

  /** Shows the previous (-1) or next (+1) version of the last reply; resolves with it, or null when there is no such version. */
  async switchVersion(step: -1 | 1): Promise<{ message: Message; index: number; count: number } | null> {
    const state = this.#watch?.current.state;
    const last = this.branch.findLast((message) => message.role === 'assistant');
    if (!this.#watch || !state || !last) return null;
    const { siblings, index } = siblingsOf(last.id, branchTree(state.messages));
    const target = siblings[index + step];
    if (!target) return null;
    await this.#watch.selectBranch(target.id);
    return { message: target, index: index + step, count: siblings.length };
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
      this.#askApprovals(state);
      this.onChange();
    };
    const unsubscribe = watch.subscribe(update);
    this.#unsubscribe = () => {
      unsubscribe();
      watch.close();
    };
    update(watch.current);
  }

  #askApprovals(state: WatchState): void {
    const pending = new Set(state.approvals.map((approval) => approval.id));
    for (const id of this.#asked) if (!pending.has(id)) this.#asked.delete(id);
    for (const approval of state.approvals) {
      if (this.#asked.has(approval.id)) continue;
      this.#asked.add(approval.id);
      this.screen.statusLine(approvalQuestion(approval));
    }
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
