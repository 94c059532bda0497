import type { FinishReason, Message, Run, ToolCallPart } from '../../domain/schemas.ts';
import type { UiMessageChunk, UiMessageMetadata } from './ui-message-chunks.ts';

/** What one part has been sent as so far. */
type SentPart =
  | { kind: 'text' | 'reasoning'; id: string; length: number; open: boolean }
  | { kind: 'tool-call'; id: string; input: boolean; approvalId?: string; settled: boolean }
  | { kind: 'plan'; id: string; json: string }
  | { kind: 'unsent'; id: string };

type AiFinishReason = Extract<UiMessageChunk, { type: 'finish' }>['finishReason'];

const finishReasons: Record<FinishReason, AiFinishReason> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content-filter',
  'tool-limit': 'other',
  stopped: 'other',
  error: 'error',
  interrupted: 'interrupted',
  steered: 'other',
  other: 'other',
};

/**
 * Turns one assistant message, as it grows, into UI message stream chunks. It does not map events
 * one by one: after each batch of events the caller folds them into the conversation state (the
 * one reducer) and hands over the message; this compares it with what was sent and sends the
 * difference. So a replay from a snapshot, a snapshot after a slow reader overflowed its buffer,
 * and live events all come out the same way.
 *
 * - Text and reasoning parts open with `*-start`, grow by `*-delta` and close on their `part-end`
 *   (`closed`) or when the message stops streaming.
 * - Confab executes tools itself: each call is a provider-executed dynamic tool:
 *   `tool-input-available`, then `tool-approval-request` while it waits for a person, then
 *   `tool-output-available` or `tool-output-error`.
 * - A model step after tool results starts a new UI step (`finish-step`, `start-step`). Parts a
 *   failed attempt wrote and Confab discarded before retrying are removed with `reset-step`: they
 *   are always the parts of the current step.
 * - A coding agent's plan is a `data-plan` part, sent again (same id, replacing it) when it changes.
 */
export class UiMessageDiff {
  /** The assistant message; absent for a run that ended before it started (taken off the queue). */
  readonly messageId: string | undefined;
  readonly #metadata: UiMessageMetadata;
  #sent: SentPart[] = [];
  /** Index in `#sent` where the current step's parts begin. */
  #stepStart = 0;
  /** The current step has a settled tool call, so the next new part belongs to the next model step. */
  #stepHasResults = false;
  #ended = false;

  constructor(options: { messageId: string | undefined; conversationId: string; runId: string }) {
    this.messageId = options.messageId;
    this.#metadata = { conversationId: options.conversationId, runId: options.runId };
  }

  get ended(): boolean {
    return this.#ended;
  }

  start(): UiMessageChunk[] {
    const start: UiMessageChunk = { type: 'start', messageMetadata: this.#metadata };
    if (this.messageId !== undefined) start.messageId = this.messageId;
    return [start, { type: 'start-step' }];
  }

  /** Chunks that bring the client's copy of the message up to `message`. `closed`: part ids whose `part-end` was seen. */
  update(message: Message, closed: ReadonlySet<string>): UiMessageChunk[] {
    const out: UiMessageChunk[] = [];
    const present = new Set(message.parts.map((part) => part.id));
    if (this.#sent.some((sent) => !present.has(sent.id))) {
      out.push({ type: 'reset-step' });
      this.#sent.length = this.#stepStart;
      this.#stepHasResults = false;
    }
    const sentById = new Map(this.#sent.map((sent) => [sent.id, sent]));
    const streaming = message.status === 'streaming';
    for (const part of message.parts) {
      let sent = sentById.get(part.id);
      if (sent === undefined) {
        sent = this.#open(part, out);
        if (sent === undefined) continue;
      }
      if ((part.kind === 'text' || part.kind === 'reasoning') && (sent.kind === 'text' || sent.kind === 'reasoning')) {
        if (part.text.length > sent.length && sent.open) {
          out.push({ type: `${part.kind}-delta`, id: part.id, delta: part.text.slice(sent.length) });
          sent.length = part.text.length;
        }
        if (sent.open && (closed.has(part.id) || !streaming)) {
          out.push({ type: `${part.kind}-end`, id: part.id });
          sent.open = false;
        }
      } else if (part.kind === 'tool-call' && sent.kind === 'tool-call') {
        this.#tool(part, sent, out);
      } else if (part.kind === 'plan' && sent.kind === 'plan') {
        const json = JSON.stringify(part.entries);
        if (json !== sent.json) {
          out.push({ type: 'data-plan', id: part.id, data: { entries: part.entries } });
          sent.json = json;
        }
      }
    }
    return out;
  }

  /** The last chunks once the run has ended (after a final `update`). */
  finish(run: Run, message: Message | undefined): UiMessageChunk[] {
    if (this.#ended) return [];
    this.#ended = true;
    const out: UiMessageChunk[] = [];
    for (const sent of this.#sent) {
      if ((sent.kind === 'text' || sent.kind === 'reasoning') && sent.open) out.push({ type: `${sent.kind}-end`, id: sent.id });
    }
    out.push({ type: 'finish-step' });
    const metadata: UiMessageMetadata = { ...this.#metadata, confabFinishReason: run.finishReason ?? undefined, usage: run.usage, cost: run.cost };
    switch (run.status) {
      case 'completed':
        out.push({ type: 'finish', finishReason: finishReasons[run.finishReason ?? 'other'], messageMetadata: metadata });
        break;
      case 'failed': {
        const errorPart = message?.parts.find((part) => part.kind === 'error');
        out.push({ type: 'error', errorText: run.error?.message ?? (errorPart?.kind === 'error' ? errorPart.message : 'The run failed.') });
        break;
      }
      default:
        // stopped, interrupted: the reply was cut; the AI SDK's own `streamText` says so with `abort`.
        out.push({ type: 'abort', reason: run.status });
    }
    return out;
  }

  #open(part: Message['parts'][number], out: UiMessageChunk[]): SentPart | undefined {
    if (part.kind === 'context' || part.kind === 'error') {
      // Context belongs to user messages; a failed run's error part is the final `error` chunk.
      this.#sent.push({ kind: 'unsent', id: part.id });
      return undefined;
    }
    if (this.#stepHasResults) {
      out.push({ type: 'finish-step' }, { type: 'start-step' });
      this.#stepStart = this.#sent.length;
      this.#stepHasResults = false;
    }
    let sent: SentPart;
    if (part.kind === 'text' || part.kind === 'reasoning') {
      out.push({ type: `${part.kind}-start`, id: part.id });
      sent = { kind: part.kind, id: part.id, length: 0, open: true };
    } else if (part.kind === 'tool-call') {
      sent = { kind: 'tool-call', id: part.id, input: false, settled: false };
    } else {
      sent = { kind: 'plan', id: part.id, json: '' };
    }
    this.#sent.push(sent);
    return sent;
  }

  #tool(part: ToolCallPart, sent: Extract<SentPart, { kind: 'tool-call' }>, out: UiMessageChunk[]): void {
    const fields = { toolCallId: part.toolCallId, providerExecuted: true, dynamic: true } as const;
    const state = part.state;
    if (!sent.input) {
      out.push({ type: 'tool-input-available', ...fields, toolName: part.toolName, input: state.input ?? null });
      sent.input = true;
    }
    if (state.status === 'awaiting-approval' && sent.approvalId !== state.approvalId) {
      out.push({ type: 'tool-approval-request', approvalId: state.approvalId, toolCallId: part.toolCallId });
      sent.approvalId = state.approvalId;
    }
    if (sent.settled) return;
    if (state.status === 'completed') out.push({ type: 'tool-output-available', ...fields, output: state.output ?? null });
    else if (state.status === 'error') out.push({ type: 'tool-output-error', ...fields, errorText: state.error });
    else return;
    sent.settled = true;
    this.#stepHasResults = true;
  }
}
