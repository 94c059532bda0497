import { methods, RequestError, type AgentContext, type ContentBlock, type PromptResponse, type RequestPermissionRequest, type SessionUpdate, type StopReason } from '@agentclientprotocol/sdk';
import { ConfabClientError, type Approval, type ApprovalDecision, type ConversationWatch, type Project, type Run, type WatchState } from '../../client/index.ts';
import { isTerminalRunStatus } from '../../domain/schemas.ts';
import { AcpMessageDiff, toolKind, toolTitle, userMessageUpdates } from './acp-updates.ts';
import { promptInput } from './acp-prompt.ts';
import { activeBranch } from '../../domain/branches.ts';

const permissionKinds = { 'allow-once': 'allow_once', 'allow-always': 'allow_always', deny: 'reject_once', 'deny-always': 'reject_always' } as const;
const permissionNames = { 'allow-once': 'Allow once', 'allow-always': 'Always allow', deny: 'Deny', 'deny-always': 'Always deny' } as const;

/**
 * One ACP session: one Confab conversation, watched through the client SDK. It follows the runs
 * its prompts started (and, after `session/load`, the run still going): each change of the run's
 * assistant message becomes `session/update`s, in order, and each approval the run asks for
 * becomes a `session/request_permission` whose answer is sent back as the approval's decision.
 */
export class AcpSession {
  readonly sessionId: string;
  readonly project: Project;
  readonly #watch: ConversationWatch;
  readonly #peer: AgentContext;
  readonly #followed = new Set<string>();
  readonly #diffs = new Map<string, AcpMessageDiff>();
  readonly #asked = new Set<string>();
  /** Notifications go out one after another, in the order they were made. */
  #outbox: Promise<void> = Promise.resolve();
  readonly #unsubscribe: () => void;

  constructor(options: { watch: ConversationWatch; project: Project; peer: AgentContext }) {
    this.#watch = options.watch;
    this.sessionId = options.watch.conversationId;
    this.project = options.project;
    this.#peer = options.peer;
    this.#unsubscribe = this.#watch.subscribe((state) => this.#follow(state));
  }

  /** `session/load`: the history as updates (settled before this resolves), then the run still going, live. */
  async replay(): Promise<void> {
    await this.#watch.ready;
    const state = this.#watch.state;
    // The branch the conversation shows: the other versions of a regenerated or edited message are not history.
    for (const message of state ? activeBranch(state.messages, state.conversation.activeMessageId ?? undefined) : []) {
      if (message.role === 'user') this.#send(userMessageUpdates(message));
      else this.#send(this.#diffFor(message.id).update(message));
    }
    const active = state?.runs.find((run) => !isTerminalRunStatus(run.status));
    if (active) this.#followed.add(active.id);
    this.#follow(this.#watch.current);
    await this.#outbox;
  }

  /** `session/prompt`: sends it, streams the reply as updates, and answers once the run has ended and every update is out. */
  async prompt(blocks: ContentBlock[]): Promise<PromptResponse> {
    const input = promptInput(blocks, this.project.path);
    const { run } = await this.#watch.send(input.content, input.context.length > 0 ? { context: input.context } : {});
    this.#followed.add(run.id);
    this.#follow(this.#watch.current);
    const ended = await this.#watch.runEnded(run.id);
    this.#follow(this.#watch.current);
    await this.#outbox;
    return { stopReason: stopReasonOf(ended) };
  }

  /** `session/cancel`: stops the run on the server; the prompt then answers `cancelled`. */
  async cancel(): Promise<void> {
    await this.#watch.stop().catch((error: unknown) => {
      if (!ConfabClientError.is(error, 'not_found')) throw error;
    });
  }

  close(): void {
    this.#unsubscribe();
    this.#watch.close();
  }

  #follow(current: WatchState): void {
    const state = current.state;
    if (!state) return;
    for (const runId of this.#followed) {
      const run = state.runs.find((candidate) => candidate.id === runId);
      const message = state.messages.find((candidate) => candidate.role === 'assistant' && candidate.runId === runId);
      if (message) this.#send(this.#diffFor(message.id).update(message));
      if (!run || isTerminalRunStatus(run.status)) this.#followed.delete(runId);
    }
    for (const approval of current.approvals) {
      if (this.#asked.has(approval.id) || approval.status !== 'pending') continue;
      this.#asked.add(approval.id);
      // After the updates before it (the tool call itself), but not holding the updates after it.
      void this.#outbox.then(() => this.#ask(approval)).catch(() => undefined);
    }
  }

  async #ask(approval: Approval): Promise<void> {
    const part = { toolName: approval.toolName, state: { status: 'pending' as const, input: approval.input } };
    const request: RequestPermissionRequest = {
      sessionId: this.sessionId,
      toolCall: { toolCallId: approval.toolCallId, title: toolTitle(part), kind: toolKind(approval.toolName), status: 'pending', rawInput: approval.input },
      options: approval.options.map((decision) => ({ optionId: decision, name: permissionNames[decision], kind: permissionKinds[decision] })),
    };
    const response = await this.#peer.request(methods.client.session.requestPermission, request);
    // `cancelled`: the client cancelled the turn; the stop that follows settles the approval.
    if (response.outcome.outcome !== 'selected') return;
    const decision = response.outcome.optionId as ApprovalDecision;
    if (!approval.options.includes(decision)) return;
    await this.#watch.approve(approval.id, decision).catch((error: unknown) => {
      if (!ConfabClientError.is(error, 'approval_closed')) throw error;
    });
  }

  #diffFor(messageId: string): AcpMessageDiff {
    let diff = this.#diffs.get(messageId);
    if (!diff) this.#diffs.set(messageId, (diff = new AcpMessageDiff(messageId)));
    return diff;
  }

  #send(updates: SessionUpdate[]): void {
    for (const update of updates) {
      this.#outbox = this.#outbox.then(() => this.#peer.notify(methods.client.session.update, { sessionId: this.sessionId, update })).catch(() => undefined);
    }
  }
}

/** How the run ended, as ACP says it; a failed or interrupted run is an error answer. */
function stopReasonOf(run: Run): StopReason {
  if (run.status === 'stopped') return 'cancelled';
  if (run.status === 'failed') throw RequestError.internalError({ code: run.error?.code ?? 'internal' }, run.error?.message ?? 'The run failed.');
  if (run.status === 'interrupted') throw RequestError.internalError({ code: 'interrupted' }, 'The reply was interrupted (the server stopped); prompt again to carry on.');
  if (run.finishReason === 'length') return 'max_tokens';
  if (run.finishReason === 'tool-limit') return 'max_turn_requests';
  if (run.finishReason === 'content-filter') return 'refusal';
  return 'end_turn';
}
