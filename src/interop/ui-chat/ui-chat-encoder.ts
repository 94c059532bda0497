import type { ConversationState, Message, Run } from '../../domain/schemas.ts';
import { isTerminalRunStatus } from '../../domain/schemas.ts';
import type { Subscription } from '../../engine/subscription.ts';
import { applyEvent } from '../../events/apply-event.ts';
import type { ConfabEvent } from '../../events/definitions.ts';
import type { UiMessageChunk } from './ui-message-chunks.ts';
import { UiMessageDiff } from './ui-message-diff.ts';

const doneFrame = 'data: [DONE]\n\n';
const goneFrame = `data: ${JSON.stringify({ type: 'error', errorText: 'The conversation is gone.' } satisfies UiMessageChunk)}\n\n`;

/**
 * The frames of one `useChat` response: the reply of one run as a UI message stream, from its
 * start (a replay of what is written so far, when it has started) until the run ends, then
 * `data: [DONE]`. The server's `SseStream` drives it (batching, back-pressure, keep-alives, the
 * client going away, which closes the subscription and never the run).
 *
 * It folds each event into its own copy of the conversation state with the engine's reducer and
 * sends what changed in the run's assistant message (`UiMessageDiff`); a snapshot (the
 * subscription's bound turning a long backlog into one) is just another state to diff against.
 */
export class UiChatEncoder {
  readonly #runId: string;
  readonly #knownRun: Run | undefined;
  #state: ConversationState;
  #diff: UiMessageDiff | undefined;
  readonly #closedParts = new Set<string>();

  /** `state`: the fold so far (it is edited in place); `run`: the run as the command that started it returned it. */
  constructor(options: { state: ConversationState; runId: string; run?: Run }) {
    this.#state = options.state;
    this.#runId = options.runId;
    this.#knownRun = options.run;
  }

  readonly encode = (events: ConfabEvent[], subscription: Subscription): { frames: string; end: boolean } => {
    const chunks: UiMessageChunk[] = [];
    for (const event of events) {
      if (event.type === 'part-end') this.#closedParts.add(event.data.partId);
      if (event.type === 'run-retrying' && event.runId === this.#runId && this.#diff) {
        const { attempt, maxAttempts, delayMs, error } = event.data;
        chunks.push({ type: 'data-retry', transient: true, data: { attempt, maxAttempts, delayMs, error } });
      }
      // The reducer edits in place; events and snapshots are shared with other subscribers.
      this.#state = applyEvent(this.#state, structuredClone(event));
    }
    chunks.push(...this.#advance());
    let frames = '';
    for (const chunk of chunks) frames += `data: ${JSON.stringify(chunk)}\n\n`;
    if (this.#diff?.ended) return { frames: frames + doneFrame, end: true };
    // The conversation was deleted before the run ended.
    if (subscription.closed && subscription.pending === 0) return { frames: frames + goneFrame + doneFrame, end: true };
    return { frames, end: false };
  };

  #advance(): UiMessageChunk[] {
    const run = this.#state.runs.find((candidate) => candidate.id === this.#runId) ?? (this.#knownRun && isTerminalRunStatus(this.#knownRun.status) ? this.#knownRun : undefined);
    const message = this.#messageOf(run);
    const ended = run !== undefined && isTerminalRunStatus(run.status);
    const chunks: UiMessageChunk[] = [];
    if (this.#diff === undefined) {
      if (message === undefined && !ended) return chunks;
      this.#diff = new UiMessageDiff({ messageId: message?.id, conversationId: this.#state.conversation.id, runId: this.#runId });
      chunks.push(...this.#diff.start());
    }
    if (message) chunks.push(...this.#diff.update(message, this.#closedParts));
    if (ended) chunks.push(...this.#diff.finish(run, message));
    return chunks;
  }

  #messageOf(run: Run | undefined): Message | undefined {
    const id = run?.assistantMessageId;
    if (id) return this.#state.messages.find((message) => message.id === id);
    return this.#state.messages.find((message) => message.role === 'assistant' && message.runId === this.#runId);
  }
}
