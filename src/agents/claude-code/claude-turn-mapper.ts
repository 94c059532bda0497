import type { Usage } from '../../domain/schemas.ts';
import type { PermissionAnswer, StepFinishReason, StreamPart } from '../../providers/stream-part.ts';
import { UpstreamError, type UpstreamErrorCode } from '../../providers/upstream-error.ts';
import { TurnParts } from '../turn-parts.ts';
import { planTools, type ClaudePlan } from './claude-plan.ts';
import type { SdkMessage } from './claude-sdk.ts';

export type MappedMessage = { parts: StreamPart[]; done?: 'completed' | 'failed' };

/**
 * Turns the Claude Agent SDK's messages for one turn into Confab stream parts. With partial
 * messages on, text and thinking stream as `stream_event` deltas; the whole `assistant` message
 * that follows each block carries its tool calls (announced once their input is complete) and is
 * otherwise only shown when it never streamed (a synthetic API-error message). A `user` message's
 * `tool_result` settles its call, with the tool's structured result where it helps (an edit's or a
 * write's diff). The to-do tools (`TaskCreate`, `TaskUpdate`, …, or `TodoWrite`) are shown as the
 * plan, not as calls, unless they fail. The `result` message ends the turn.
 */
export class ClaudeTurnMapper {
  readonly #parts = new TurnParts();
  readonly #streamed = new Set<string>();
  /** The to-do calls of this turn, settled into the session's plan by their results. */
  readonly #planCalls = new Map<string, { name: string; input: unknown }>();
  readonly #plan: ClaudePlan;
  readonly #costBefore: number | undefined;
  readonly #interrupted: () => boolean;
  #costTotal: number | undefined;
  #failure: UpstreamError | undefined;

  /**
   * `plan`: the session's to-do list (it outlives the turn); `costBefore`: the session's cost total
   * before this turn, when known (a new session: 0); `interrupted`: whether Confab interrupted the turn.
   */
  constructor(options: { plan: ClaudePlan; costBefore: number | undefined; interrupted?: () => boolean }) {
    this.#plan = options.plan;
    this.#costBefore = options.costBefore;
    this.#interrupted = options.interrupted ?? (() => false);
  }

  /** The session's cost total as last reported, for the next turn's baseline (undefined: unknown). */
  get costTotal(): number | undefined {
    return this.#costTotal ?? this.#costBefore;
  }

  message(message: SdkMessage): MappedMessage {
    switch (message.type) {
      case 'stream_event':
        return { parts: message.parent_tool_use_id ? [] : this.#streamEvent(message.event) };
      case 'assistant':
        return { parts: this.#assistant(message) };
      case 'user':
        return { parts: this.#toolResults(message) };
      case 'result':
        return this.#result(message);
      default:
        return { parts: [] };
    }
  }

  /** Claude Code asks before running a call (`canUseTool`); the call is announced first if it was not. */
  permission(toolUseId: string, toolName: string, input: unknown, answer: (answer: PermissionAnswer) => void, withdrawn: AbortSignal): StreamPart[] {
    return this.#parts.permissionRequest(toolUseId, toolName, input, { answer, withdrawn });
  }

  /** Why the turn failed, once `message` said `failed`. */
  failure(): UpstreamError {
    return this.#failure ?? new UpstreamError({ code: 'unknown', message: 'Claude Code failed the turn without saying why.', retryable: false });
  }

  #streamEvent(event: any): StreamPart[] {
    if (event?.type === 'message_start' && typeof event.message?.id === 'string') this.#streamed.add(event.message.id);
    if (event?.type !== 'content_block_delta') return [];
    if (event.delta?.type === 'text_delta') return this.#parts.delta('text', String(event.delta.text ?? ''));
    if (event.delta?.type === 'thinking_delta') return this.#parts.delta('reasoning', String(event.delta.thinking ?? ''));
    return [];
  }

  #assistant(message: SdkMessage): StreamPart[] {
    const streamed = this.#streamed.has(message.message?.id) || message.parent_tool_use_id;
    const parts: StreamPart[] = [];
    for (const block of asArray(message.message?.content)) {
      if (block?.type === 'tool_use' && typeof block.id === 'string') {
        if (planTools.has(block.name)) this.#planCalls.set(block.id, { name: block.name, input: block.input });
        else parts.push(...this.#parts.announce(block.id, String(block.name), block.input ?? {}));
      } else if (!streamed && block?.type === 'text') {
        parts.push(...this.#parts.delta('text', String(block.text ?? '')));
      } else if (!streamed && block?.type === 'thinking') {
        parts.push(...this.#parts.delta('reasoning', String(block.thinking ?? '')));
      }
    }
    return parts;
  }

  #toolResults(message: SdkMessage): StreamPart[] {
    const parts: StreamPart[] = [];
    for (const block of asArray(message.message?.content)) {
      if (block?.type !== 'tool_result' || typeof block.tool_use_id !== 'string') continue;
      const isError = block.is_error === true;
      const planCall = this.#planCalls.get(block.tool_use_id);
      if (planCall && !isError) {
        const entries = this.#plan.apply(planCall.name, planCall.input, message.tool_use_result);
        if (entries) parts.push(...this.#parts.closeOpen(), { type: 'plan', entries });
        continue;
      }
      // A failed to-do call is shown as the call it was.
      if (planCall) this.#parts.describe(block.tool_use_id, planCall.name, planCall.input);
      const name = this.#parts.call(block.tool_use_id)?.name ?? 'tool';
      parts.push(...this.#parts.settle(block.tool_use_id, name, outputOf(name, textOf(block.content), message.tool_use_result), isError));
    }
    return parts;
  }

  #result(message: SdkMessage): MappedMessage {
    if (typeof message.total_cost_usd === 'number') this.#costTotal = message.total_cost_usd;
    const parts = this.#parts.closeOpen();
    if (message.subtype === 'success' && message.is_error === true) {
      this.#failure = resultError(message);
      return { parts, done: 'failed' };
    }
    // Stopped by an interrupt: the turn ended, what it produced stays (the run ends stopped).
    const interrupted = this.#interrupted() || message.terminal_reason === 'aborted_streaming' || message.terminal_reason === 'aborted_tools';
    if (message.subtype === 'error_during_execution' && !interrupted) {
      this.#failure = new UpstreamError({ code: 'server', message: `Claude Code failed the turn: ${errorsOf(message) || 'no reason given'}`, retryable: false });
      return { parts, done: 'failed' };
    }
    const cost = this.#turnCost(message);
    return { parts: [...parts, { type: 'finish', finishReason: finishReasons[message.subtype ?? ''] ?? 'other', usage: usageOf(message.usage), ...(cost === undefined ? {} : { costUsd: cost }) }], done: 'completed' };
  }

  /** The cost of this turn: the per-result model usage where Claude Code gives it, else the difference of the running totals. */
  #turnCost(message: SdkMessage): number | undefined {
    const since = message.model_usage_since_last_result;
    if (since && typeof since === 'object') {
      const costs = Object.values(since).map((entry: any) => entry?.costUSD);
      if (costs.length > 0 && costs.every((cost) => typeof cost === 'number')) return costs.reduce((sum: number, cost) => sum + (cost as number), 0);
    }
    if (typeof message.total_cost_usd !== 'number' || this.#costBefore === undefined) return undefined;
    return Math.max(0, message.total_cost_usd - this.#costBefore);
  }
}

const finishReasons: Record<string, StepFinishReason> = { success: 'stop', error_during_execution: 'other', error_max_turns: 'length', error_max_budget_usd: 'other' };

function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .flatMap((block) => (block?.type === 'text' && typeof block.text === 'string' ? [block.text] : []))
    .join('\n');
}

/** What a call produced: the text Claude saw; an edit or a write also as its diff (`{text, diffs}`, as the ACP driver shows them). */
function outputOf(name: string, text: string, result: any): unknown {
  if (!result || typeof result !== 'object' || typeof result.filePath !== 'string') return text;
  if (name === 'Edit' && typeof result.oldString === 'string' && typeof result.newString === 'string') {
    return { text, diffs: [{ path: result.filePath, oldText: result.oldString, newText: result.newString }] };
  }
  if (name === 'Write' && typeof result.content === 'string') {
    return { text, diffs: [{ path: result.filePath, oldText: typeof result.originalFile === 'string' ? result.originalFile : null, newText: result.content }] };
  }
  return text;
}

/** The turn's usage (main loop), cache reads and writes counted in the input as for any Anthropic model. */
function usageOf(usage: any): Usage | undefined {
  if (!usage || typeof usage.input_tokens !== 'number' || typeof usage.output_tokens !== 'number') return undefined;
  const cacheRead = Number(usage.cache_read_input_tokens ?? 0);
  const cacheWrite = Number(usage.cache_creation_input_tokens ?? 0);
  const thinking = Number(usage.output_tokens_details?.thinking_tokens ?? 0);
  return {
    inputTokens: usage.input_tokens + cacheRead + cacheWrite,
    outputTokens: usage.output_tokens,
    ...(cacheRead > 0 ? { cachedInputTokens: cacheRead } : {}),
    ...(thinking > 0 ? { reasoningTokens: thinking } : {}),
  };
}

function errorsOf(message: SdkMessage): string {
  return asArray(message.errors).map(String).join('; ').slice(0, 300);
}

const statusCodes: Record<number, UpstreamErrorCode> = { 400: 'bad_request', 401: 'auth', 402: 'billing', 403: 'auth', 404: 'not_found', 408: 'timeout', 429: 'rate_limit' };

/** A turn Claude Code ended on an API error (`is_error` with the error text as its result). */
function resultError(message: SdkMessage): UpstreamError {
  const status = typeof message.api_error_status === 'number' ? message.api_error_status : undefined;
  const code = status === undefined ? 'server' : (statusCodes[status] ?? (status >= 500 ? 'server' : 'unknown'));
  const said = typeof message.result === 'string' && message.result !== '' ? message.result.slice(0, 300) : errorsOf(message) || 'no reason given';
  return new UpstreamError({ code, message: `Claude Code ended the turn on an error: ${said}`, retryable: false, ...(status === undefined ? {} : { status }) });
}
