import type { PlanEntry, Usage } from '../../domain/schemas.ts';
import type { PermissionAnswer, StreamPart } from '../../providers/stream-part.ts';
import { TurnParts } from '../turn-parts.ts';
import type { OpenCodeEvent } from './opencode-server.ts';

/**
 * Turns one OpenCode prompt's bus events into Confab stream parts: the assistant's text and
 * reasoning parts (streamed by `message.part.delta`, or whole by `message.part.updated`) become
 * text and reasoning; `tool` parts become tool calls OpenCode runs itself (announced once running
 * with their input, settled when completed or in error); `todo.updated` a plan. Each step's
 * `step-finish` part carries its tokens and cost: the turn's usage and cost are their sum.
 */
export class OpenCodeTurnMapper {
  readonly #parts = new TurnParts();
  /** Assistant message ids (user messages' parts are the prompt, not output). */
  readonly #assistant = new Set<string>();
  /** Text or reasoning part id → its kind and how much of its text was passed on. */
  readonly #streams = new Map<string, { kind: 'text' | 'reasoning'; sent: number }>();
  readonly #steps = new Set<string>();
  #openPart: string | undefined;
  #usage: Usage | undefined;
  #cost = 0;

  /** Parts for one event of this session. */
  event(event: OpenCodeEvent): StreamPart[] {
    const properties = event.properties ?? {};
    switch (event.type) {
      case 'message.updated':
        if (properties.info?.role === 'assistant') this.#assistant.add(properties.info.id);
        return [];
      case 'message.part.delta': {
        const stream = this.#streams.get(properties.partID);
        if (!stream || properties.field !== 'text' || typeof properties.delta !== 'string') return [];
        stream.sent += properties.delta.length;
        return this.#delta(properties.partID, stream.kind, properties.delta);
      }
      case 'message.part.updated':
        return this.#part(properties.part);
      case 'todo.updated':
        return [{ type: 'plan', entries: (properties.todos ?? []).filter((todo: any) => todo.status !== 'cancelled').map((todo: any): PlanEntry => ({ content: String(todo.content), status: todoStatuses[todo.status] ?? 'pending', ...(priorities.has(todo.priority) ? { priority: todo.priority } : {}) })) }];
      default:
        return [];
    }
  }

  /** OpenCode asks before a tool call runs (`permission.asked`): the call is announced first if it was not. */
  permission(properties: any, answer: (answer: PermissionAnswer) => void, withdrawn: AbortSignal): StreamPart[] {
    const callId = String(properties.tool?.callID ?? properties.id);
    const known = this.#parts.call(callId);
    const input = known?.input ?? properties.metadata ?? {};
    return this.#parts.permissionRequest(callId, known?.name ?? String(properties.permission ?? 'tool'), input, { answer, withdrawn });
  }

  finish(): StreamPart[] {
    return [...this.#parts.closeOpen(), { type: 'finish', finishReason: 'stop', usage: this.#usage, ...(this.#usage ? { costUsd: this.#cost } : {}) }];
  }

  #delta(partId: string, kind: 'text' | 'reasoning', text: string): StreamPart[] {
    const parts: StreamPart[] = [];
    if (this.#openPart !== partId) parts.push(...this.#parts.closeOpen());
    this.#openPart = partId;
    parts.push(...this.#parts.delta(kind, text));
    return parts;
  }

  #part(part: any): StreamPart[] {
    if (!part || !this.#assistant.has(part.messageID)) return [];
    if (part.type === 'text' || part.type === 'reasoning') {
      let stream = this.#streams.get(part.id);
      if (!stream) this.#streams.set(part.id, (stream = { kind: part.type, sent: 0 }));
      const text = typeof part.text === 'string' ? part.text : '';
      if (text.length <= stream.sent) return [];
      const rest = text.slice(stream.sent);
      stream.sent = text.length;
      return this.#delta(part.id, stream.kind, rest);
    }
    if (part.type === 'tool') return this.#tool(part);
    if (part.type === 'step-finish' && !this.#steps.has(part.id)) {
      this.#steps.add(part.id);
      const tokens = part.tokens ?? {};
      const usage = this.#usage ?? { inputTokens: 0, outputTokens: 0 };
      usage.inputTokens += (tokens.input ?? 0) + (tokens.cache?.read ?? 0);
      usage.outputTokens += tokens.output ?? 0;
      if (tokens.cache?.read) usage.cachedInputTokens = (usage.cachedInputTokens ?? 0) + tokens.cache.read;
      if (tokens.reasoning) usage.reasoningTokens = (usage.reasoningTokens ?? 0) + tokens.reasoning;
      this.#usage = usage;
      this.#cost += typeof part.cost === 'number' ? part.cost : 0;
    }
    return [];
  }

  #tool(part: any): StreamPart[] {
    const state = part.state ?? {};
    const callId = String(part.callID ?? part.id);
    const name = String(part.tool ?? 'tool');
    this.#openPart = undefined;
    const input = state.input && Object.keys(state.input).length > 0 ? state.input : undefined;
    this.#parts.describe(callId, name, input);
    if (state.status === 'completed') return this.#parts.settle(callId, name, state.output ?? '', false);
    if (state.status === 'error') return this.#parts.settle(callId, name, String(state.error ?? 'error'), true);
    if (state.status === 'running') return this.#parts.announce(callId, name, input);
    return this.#parts.closeOpen();
  }
}

const todoStatuses: Record<string, PlanEntry['status']> = { pending: 'pending', in_progress: 'in_progress', completed: 'completed' };
const priorities = new Set(['high', 'medium', 'low']);
