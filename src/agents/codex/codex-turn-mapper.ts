import type { PlanEntry, Usage } from '../../domain/schemas.ts';
import type { PermissionAnswer, StreamPart } from '../../providers/stream-part.ts';
import { UpstreamError } from '../../providers/upstream-error.ts';
import { TurnParts } from '../turn-parts.ts';
import type { TokenTotals } from './codex-process.ts';

/**
 * Turns one Codex turn's app-server notifications into Confab stream parts: agent-message and
 * reasoning deltas become text and reasoning; command executions, file changes and MCP tool calls
 * become tool calls Codex runs itself (announced on `item/started`, settled on `item/completed`);
 * `turn/plan/updated` a plan part. Token usage is the thread's running total: the turn's usage is
 * the difference from where it started.
 */
export class CodexTurnMapper {
  readonly #parts = new TurnParts();
  readonly #turnId: () => string | undefined;
  #tokensBefore: TokenTotals | undefined;
  #tokensNow: TokenTotals | undefined;
  #failure: string | undefined;

  constructor(options: { tokensBefore: TokenTotals | undefined; turnId: () => string | undefined }) {
    this.#tokensBefore = options.tokensBefore;
    this.#turnId = options.turnId;
  }

  /** Parts for one notification; `turn/completed` of this turn returns `done` with how it ended. */
  notification(method: string, params: any): { parts: StreamPart[]; done?: 'completed' | 'interrupted' | 'failed' } {
    const turnId = this.#turnId();
    if (params?.turnId !== undefined && turnId !== undefined && params.turnId !== turnId) return { parts: [] };
    switch (method) {
      case 'item/agentMessage/delta':
        return { parts: this.#parts.delta('text', String(params.delta ?? '')) };
      case 'item/reasoning/summaryTextDelta':
      case 'item/reasoning/textDelta':
        return { parts: this.#parts.delta('reasoning', String(params.delta ?? '')) };
      case 'item/started':
        return { parts: this.#itemStarted(params.item) };
      case 'item/completed':
        return { parts: this.#itemCompleted(params.item) };
      case 'turn/plan/updated':
        return { parts: [{ type: 'plan', entries: (params.plan ?? []).map((step: any): PlanEntry => ({ content: String(step.step), status: planStatuses[step.status] ?? 'pending' })) }] };
      case 'thread/tokenUsage/updated': {
        const total = params.tokenUsage?.total;
        const last = params.tokenUsage?.last;
        if (!total || typeof total.inputTokens !== 'number') return { parts: [] };
        // Resumed in this process: the total before this turn is the first total less its last request.
        this.#tokensBefore ??= last ? subtract(totalsOf(total), totalsOf(last)) : undefined;
        this.#tokensNow = totalsOf(total);
        return { parts: [] };
      }
      case 'error':
        if (params.willRetry !== true) this.#failure = String(params.error?.message ?? 'Codex reported an error');
        return { parts: [] };
      case 'turn/completed': {
        if (turnId !== undefined && params.turn?.id !== turnId) return { parts: [] };
        const status = params.turn?.status;
        if (status === 'failed') this.#failure = String(params.turn?.error?.message ?? this.#failure ?? 'the turn failed');
        return { parts: this.#parts.closeOpen(), done: status === 'interrupted' ? 'interrupted' : status === 'failed' ? 'failed' : 'completed' };
      }
      default:
        return { parts: [] };
    }
  }

  /** Codex asks before running a command or applying a change (the item was announced on `item/started`). */
  approval(params: any, answer: (answer: PermissionAnswer) => void, withdrawn: AbortSignal): StreamPart[] {
    const itemId = String(params.itemId);
    const known = this.#parts.call(itemId);
    const input = known?.input ?? (typeof params.command === 'string' ? { command: params.command, cwd: params.cwd } : { reason: params.reason ?? null });
    return this.#parts.permissionRequest(itemId, known?.name ?? 'command', input, { answer, withdrawn });
  }

  finish(): StreamPart[] {
    return [...this.#parts.closeOpen(), { type: 'finish', finishReason: 'stop', usage: this.#usage() }];
  }

  /** Why the turn failed, as an upstream error a client may read. */
  failure(): UpstreamError {
    return new UpstreamError({ code: 'server', message: `Codex failed the turn: ${(this.#failure ?? 'no reason given').slice(0, 300)}`, retryable: false });
  }

  #itemStarted(item: any): StreamPart[] {
    // A message steered into the turn (only Confab's carry a client id): what follows answers it.
    if (item?.type === 'userMessage' && typeof item.clientId === 'string') return [...this.#parts.closeOpen(), { type: 'steer-taken', messageId: item.clientId }];
    const call = toolCallOf(item);
    return call ? this.#parts.announce(item.id, call.name, call.input) : [];
  }

  #itemCompleted(item: any): StreamPart[] {
    if (item?.type === 'agentMessage' || item?.type === 'reasoning') return this.#parts.closeOpen();
    const call = toolCallOf(item);
    if (!call) return [];
    this.#parts.describe(item.id, call.name, call.input);
    return this.#parts.settle(item.id, call.name, call.output, call.isError);
  }

  #usage(): Usage | undefined {
    const now = this.#tokensNow;
    if (!now) return undefined;
    const used = this.#tokensBefore ? subtract(now, this.#tokensBefore) : now;
    return {
      inputTokens: used.inputTokens,
      outputTokens: used.outputTokens,
      ...(used.cachedInputTokens > 0 ? { cachedInputTokens: used.cachedInputTokens } : {}),
      ...(used.reasoningOutputTokens > 0 ? { reasoningTokens: used.reasoningOutputTokens } : {}),
    };
  }
}

const planStatuses: Record<string, PlanEntry['status']> = { pending: 'pending', inProgress: 'in_progress', completed: 'completed' };

/** The tool call a thread item is, if it is one: its name, input, and (once completed) output. */
function toolCallOf(item: any): { name: string; input: unknown; output: unknown; isError: boolean } | undefined {
  const failed = item?.status === 'failed' || item?.status === 'declined';
  switch (item?.type) {
    case 'commandExecution':
      return { name: 'command', input: { command: item.command, cwd: item.cwd }, output: item.status === 'declined' ? 'declined' : (item.aggregatedOutput ?? ''), isError: failed || (typeof item.exitCode === 'number' && item.exitCode !== 0) };
    case 'fileChange': {
      const changes = Array.isArray(item.changes) ? item.changes : [];
      const diffs = changes.map((change: any) => ({ path: String(change.path), kind: String(change.kind?.type ?? 'update'), diff: String(change.diff ?? '') }));
      return { name: 'edit', input: { paths: diffs.map((diff: { path: string }) => diff.path) }, output: { text: String(item.status), diffs }, isError: failed };
    }
    case 'mcpToolCall':
      return { name: `${item.server}.${item.tool}`, input: item.arguments ?? {}, output: item.error ? String(item.error.message ?? 'error') : (item.result ?? ''), isError: failed || Boolean(item.error) };
    default:
      return undefined;
  }
}

function totalsOf(value: any): TokenTotals {
  return { inputTokens: value.inputTokens ?? 0, cachedInputTokens: value.cachedInputTokens ?? 0, outputTokens: value.outputTokens ?? 0, reasoningOutputTokens: value.reasoningOutputTokens ?? 0 };
}

function subtract(a: TokenTotals, b: TokenTotals): TokenTotals {
  return {
    inputTokens: Math.max(0, a.inputTokens - b.inputTokens),
    cachedInputTokens: Math.max(0, a.cachedInputTokens - b.cachedInputTokens),
    outputTokens: Math.max(0, a.outputTokens - b.outputTokens),
    reasoningOutputTokens: Math.max(0, a.reasoningOutputTokens - b.reasoningOutputTokens),
  };
}
