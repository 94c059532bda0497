import type { PromptResponse, RequestPermissionRequest, SessionUpdate, ToolCallContent } from '@agentclientprotocol/sdk';
import type { PlanEntry, Usage } from '../../domain/schemas.ts';
import type { PermissionAnswer, StepFinishReason, StreamPart } from '../../providers/stream-part.ts';

type ToolCallRecord = { name: string; input: unknown; emitted: boolean; settled: boolean; rawOutput?: unknown; content: ToolCallContent[] };
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
  readonly #calls = new Map<string, ToolCallRecord>();
  #open: { kind: 'text' | 'reasoning'; id: string } | undefined;
  #nextStream = 0;
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
      case 'agent_thought_chunk': {
        if (update.content.type !== 'text' || update.content.text === '') return [];
        const kind = update.sessionUpdate === 'agent_message_chunk' ? 'text' : 'reasoning';
        const parts: StreamPart[] = [];
        if (this.#open?.kind !== kind) {
          parts.push(...this.#closeOpen());
          this.#open = { kind, id: `${kind}-${++this.#nextStream}` };
          parts.push({ type: kind === 'text' ? 'text-start' : 'reasoning-start', id: this.#open.id });
        }
        parts.push({ type: kind === 'text' ? 'text-delta' : 'reasoning-delta', id: this.#open.id, delta: update.content.text });
        return parts;
      }
      case 'tool_call':
      case 'tool_call_update':
        return [...this.#closeOpen(), ...this.#toolCall(update)];
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
    const parts = [...this.#closeOpen(), ...this.#toolCall(request.toolCall as ToolCallFields, true)];
    const call = this.#calls.get(request.toolCall.toolCallId)!;
    parts.push({ type: 'permission-request', toolCallId: request.toolCall.toolCallId, toolName: call.name, input: call.input, answer, withdrawn });
    return parts;
  }

  finish(response: PromptResponse): StreamPart[] {
    const usage = usageOf(response);
    const cost = this.#costNow !== undefined && this.#costBefore !== undefined ? Math.max(0, this.#costNow - this.#costBefore) : undefined;
    return [...this.#closeOpen(), { type: 'finish', finishReason: finishReasons[response.stopReason] ?? 'other', usage, ...(cost === undefined ? {} : { costUsd: cost }) }];
  }

  #closeOpen(): StreamPart[] {
    const open = this.#open;
    this.#open = undefined;
    if (!open) return [];
    return [{ type: open.kind === 'text' ? 'text-end' : 'reasoning-end', id: open.id }];
  }

  #toolCall(fields: ToolCallFields, announce = false): StreamPart[] {
    let call = this.#calls.get(fields.toolCallId);
    if (!call) {
      call = { name: toolNameOf(fields), input: undefined, emitted: false, settled: false, content: [] };
      this.#calls.set(fields.toolCallId, call);
    }
    if (hasInput(fields.rawInput)) call.input = fields.rawInput;
    else if (call.input === undefined && fields.title) call.input = { title: fields.title };
    if (fields.rawOutput !== undefined) call.rawOutput = fields.rawOutput;
    if (fields.content) call.content = fields.content;
    const parts: StreamPart[] = [];
    const status = fields.status ?? undefined;
    if (!call.emitted && (announce || hasInput(fields.rawInput) || (status !== undefined && status !== 'pending'))) {
      call.emitted = true;
      parts.push({ type: 'tool-call', toolCallId: fields.toolCallId, toolName: call.name, input: call.input ?? {}, providerExecuted: true });
    }
    if (!call.settled && (status === 'completed' || status === 'failed')) {
      call.settled = true;
      parts.push({ type: 'tool-result', toolCallId: fields.toolCallId, toolName: call.name, output: outputOf(call), isError: status === 'failed' });
    }
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
