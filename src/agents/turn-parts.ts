import type { StreamPart } from '../providers/stream-part.ts';

type ToolCallState = { name: string; input: unknown; announced: boolean; settled: boolean };

/**
 * The stream parts of one agent turn, whatever protocol the agent speaks: the bookkeeping every
 * agent driver shares once it has decoded its agent's messages. Text and reasoning deltas join the
 * open part of their kind (a new part after anything else); each tool call the agent runs itself is
 * announced once (`providerExecuted`) and settled once with its result, so an agent that repeats a
 * status or reports a call twice cannot produce a second call or result.
 */
export class TurnParts {
  readonly #calls = new Map<string, ToolCallState>();
  #open: { kind: 'text' | 'reasoning'; id: string } | undefined;
  #nextStream = 0;

  delta(kind: 'text' | 'reasoning', text: string): StreamPart[] {
    if (text === '') return [];
    const parts: StreamPart[] = [];
    if (this.#open?.kind !== kind) {
      parts.push(...this.closeOpen());
      this.#open = { kind, id: `${kind}-${++this.#nextStream}` };
      parts.push({ type: kind === 'text' ? 'text-start' : 'reasoning-start', id: this.#open.id });
    }
    parts.push({ type: kind === 'text' ? 'text-delta' : 'reasoning-delta', id: this.#open.id, delta: text });
    return parts;
  }

  /** Ends the open text or reasoning part, if any (the next delta starts a new one). */
  closeOpen(): StreamPart[] {
    const open = this.#open;
    this.#open = undefined;
    if (!open) return [];
    return [{ type: open.kind === 'text' ? 'text-end' : 'reasoning-end', id: open.id }];
  }

  /** What is known of a call so far (name, latest input), without announcing it. */
  describe(toolCallId: string, name: string, input: unknown): void {
    const call = this.#calls.get(toolCallId);
    if (!call) this.#calls.set(toolCallId, { name, input, announced: false, settled: false });
    else if (input !== undefined) call.input = input;
  }

  call(toolCallId: string): { name: string; input: unknown } | undefined {
    return this.#calls.get(toolCallId);
  }

  /** Announces the call (once): the text before it ends. */
  announce(toolCallId: string, name: string, input: unknown): StreamPart[] {
    this.describe(toolCallId, name, input);
    const call = this.#calls.get(toolCallId)!;
    const parts = this.closeOpen();
    if (call.announced) return parts;
    call.announced = true;
    parts.push({ type: 'tool-call', toolCallId, toolName: call.name, input: call.input ?? {}, providerExecuted: true });
    return parts;
  }

  /** Settles the call (once) with its output; announced first if it was not. */
  settle(toolCallId: string, name: string, output: unknown, isError: boolean): StreamPart[] {
    const parts = this.announce(toolCallId, name, undefined);
    const call = this.#calls.get(toolCallId)!;
    if (call.settled) return parts;
    call.settled = true;
    parts.push({ type: 'tool-result', toolCallId, toolName: call.name, output, isError });
    return parts;
  }

  /** A permission request for a call, announced first if it was not. */
  permissionRequest(toolCallId: string, name: string, input: unknown, rest: Pick<Extract<StreamPart, { type: 'permission-request' }>, 'answer' | 'withdrawn'>): StreamPart[] {
    const parts = this.announce(toolCallId, name, input);
    const call = this.#calls.get(toolCallId)!;
    parts.push({ type: 'permission-request', toolCallId, toolName: call.name, input: call.input, ...rest });
    return parts;
  }
}
