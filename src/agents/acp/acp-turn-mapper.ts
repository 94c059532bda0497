import type { PromptResponse, RequestPermissionRequest, SessionUpdate, ToolCallContent } from '@agentclientprotocol/sdk';
import type { PlanEntry, Usage } from '../../domain/schemas.ts';
import type { PermissionAnswer, StepFinishReason, StreamPart } from '../../providers/stream-part.ts';
import { TurnParts } from '../turn-parts.ts';

type ToolCallRecord = { rawOutput?: unknown; content: ToolCallContent[] };
type ToolCallFields = { toolCallId: string; title?: string | null; name?: string | null; kind?: string | null; status?: string | null; rawInput?: unknown; rawOutput?: unknown; content?: ToolCallContent[] | null; _meta?: Record<string, unknown> | null };

/**
 * Turns one ACP prompt turn's `session/update` notifications into Confab stream parts: message and
 * thought chunks become text and reasoning (a new part after each tool call), `tool_call` /
 * `tool_call_update` become one tool call the agent executes itself (announced once its input is
 * known) and its result, `plan` a plan part. Notifications of other kinds carry nothing a
 * conversation shows. `usage_update` costs are the session's running total; the turn's cost is the
 * difference from where the turn started, when that is known.
 */
export class AcpTurnMapper {
  readonly #parts = new TurnParts();
  readonly #calls = new Map<string, ToolCallRecord>();
  /** The session's cost total before this turn; undefined when unknown (a session loaded from disk). */
  readonly #costBefore: number | undefined;
  #costNow: number | undefined;

  constructor(options: { costBefore: number | undefined }) {
    this.#costBefore = options.costBefore;
  }

  /** The session's cost total as last reported, for the next turn's baseline. */
  get costTotal(): number | undefined {
    return this.#costNow ?? this.#costBefore;
  }

  update(update: SessionUpdate): StreamPart[] {
    switch (update.sessionUpdate) {
      case 'agent_message_chunk':
      case 'agent_thought_chunk':
        if (update.content.type !== 'text') return [];
        return this.#parts.delta(update.sessionUpdate === 'agent_message_chunk' ? 'text' : 'reasoning', update.content.text);
      case 'tool_call':
      case 'tool_call_update':
        return this.#toolCall(update);
      case 'plan':
        return [{ type: 'plan', entries: update.entries.map((entry): PlanEntry => ({ content: entry.content, status: entry.status, priority: entry.priority })) }];
      case 'usage_update':
        if (update.cost && update.cost.currency === 'USD') this.#costNow = update.cost.amount;
        return [];
      default:
        return [];
    }
  }

  /** The agent asks before running a call: the call is announced first if it was not yet. */
  permission(request: RequestPermissionRequest, answer: (answer: PermissionAnswer) => void, withdrawn: AbortSignal): StreamPart[] {
    const fields = request.toolCall as ToolCallFields;
    const parts = this.#toolCall(fields);
    const known = this.#parts.call(fields.toolCallId)!;
    return [...parts, ...this.#parts.permissionRequest(fields.toolCallId, known.name, known.input, { answer, withdrawn })];
  }

  finish(response: PromptResponse): StreamPart[] {
    const usage = usageOf(response);
    const cost = this.#costNow !== undefined && this.#costBefore !== undefined ? Math.max(0, this.#costNow - this.#costBefore) : undefined;
    return [...this.#parts.closeOpen(), { type: 'finish', finishReason: finishReasons[response.stopReason] ?? 'other', usage, ...(cost === undefined ? {} : { costUsd: cost }) }];
  }

  #toolCall(fields: ToolCallFields): StreamPart[] {
    let call = this.#calls.get(fields.toolCallId);
    if (!call) this.#calls.set(fields.toolCallId, (call = { content: [] }));
    const known = this.#parts.call(fields.toolCallId);
    const input = hasInput(fields.rawInput) ? fields.rawInput : known?.input === undefined && fields.title ? { title: fields.title } : undefined;
    this.#parts.describe(fields.toolCallId, toolNameOf(fields), input);
    if (fields.rawOutput !== undefined) call.rawOutput = fields.rawOutput;
    if (fields.content) call.content = fields.content;
    const status = fields.status ?? undefined;
    const name = this.#parts.call(fields.toolCallId)!.name;
    const parts = this.#parts.closeOpen();
    if (status === 'completed' || status === 'failed') return [...parts, ...this.#parts.settle(fields.toolCallId, name, outputOf(call), status === 'failed')];
    if (hasInput(fields.rawInput) || (status !== undefined && status !== 'pending')) return [...parts, ...this.#parts.announce(fields.toolCallId, name, undefined)];
    return parts;
  }
}

const finishReasons: Record<string, StepFinishReason> = { end_turn: 'stop', max_tokens: 'length', refusal: 'content-filter', max_turn_requests: 'other', cancelled: 'other' };

function toolNameOf(fields: ToolCallFields): string {
  const claude = (fields._meta?.claudeCode as { toolName?: unknown } | undefined)?.toolName;
  return fields.name || (typeof claude === 'string' ? claude : undefined) || fields.kind || 'tool';
}

function hasInput(raw: unknown): boolean {
  if (raw === undefined || raw === null) return false;
  return typeof raw !== 'object' || Object.keys(raw).length > 0;
}

/** A command's output or a read's text as a string; file edits as their diffs beside it. */
function outputOf(call: ToolCallRecord): unknown {
  const texts = call.content.flatMap((item) => (item.type === 'content' && item.content.type === 'text' ? [item.content.text] : []));
  const text = typeof call.rawOutput === 'string' ? call.rawOutput : texts.length > 0 ? texts.join('\n') : call.rawOutput === undefined ? '' : JSON.stringify(call.rawOutput);
  const diffs = call.content.flatMap((item) => (item.type === 'diff' ? [{ path: item.path, oldText: item.oldText ?? null, newText: item.newText }] : []));
  return diffs.length > 0 ? { text, diffs } : text;
}

/** `usage` is an unstable field of the prompt response; agents that report it use these names. */
function usageOf(response: PromptResponse): Usage | undefined {
  const usage = (response as { usage?: { inputTokens?: unknown; outputTokens?: unknown; cachedReadTokens?: unknown; thoughtTokens?: unknown } | null }).usage;
  if (!usage || typeof usage.inputTokens !== 'number' || typeof usage.outputTokens !== 'number') return undefined;
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    ...(typeof usage.cachedReadTokens === 'number' && usage.cachedReadTokens > 0 ? { cachedInputTokens: usage.cachedReadTokens } : {}),
    ...(typeof usage.thoughtTokens === 'number' && usage.thoughtTokens > 0 ? { reasoningTokens: usage.thoughtTokens } : {}),
  };
}
