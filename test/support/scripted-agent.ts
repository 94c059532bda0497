/**
 * An in-memory coding agent for engine tests of the agent-session seam: each turn plays a script
 * of stream parts (text, tool calls it "executes" itself, plans, a session id, a finish with
 * usage and cost), can hold until released or aborted, and can throw. It records every request,
 * so tests can check the directory, model, prompt and resumed session it was given. The real
 * agents (Claude Code, Codex, OpenCode, ACP) are tested against their binaries elsewhere.
 */
import type { AgentSource, AgentTurnRequest } from '../../src/agents/agent-source.ts';
import type { SteerMessage, StreamPart } from '../../src/providers/stream-part.ts';

/**
 * Beside stream parts: `hold` waits for `release()` (or the abort); `throw` throws; `steerable`
 * yields a `steer-ready` part (an agent with `steering`); `take-steered` waits for a message
 * steered in and yields its `steer-taken` part.
 */
export type AgentScriptItem = StreamPart | { type: 'hold' } | { type: 'throw'; error: unknown } | { type: 'steerable' } | { type: 'take-steered' };

export class ScriptedAgent implements AgentSource {
  readonly kind = 'agent' as const;
  readonly steering: boolean;
  readonly requests: Omit<AgentTurnRequest, 'signal'>[] = [];
  /** Every message offered to a turn (accepted or refused), and those accepted, in order. */
  readonly offered: SteerMessage[] = [];
  readonly steered: SteerMessage[] = [];
  /** Set to refuse steered messages, as an agent whose turn cannot take input does. */
  refuseSteers = false;
  readonly #scripts: AgentScriptItem[][] = [];
  #releases: (() => void)[] = [];
  #holding: (() => void)[] = [];
  #untaken: SteerMessage[] = [];
  #steerWaiters: (() => void)[] = [];

  constructor(options: { steering?: boolean } = {}) {
    this.steering = options.steering ?? false;
  }

  enqueue(...scripts: AgentScriptItem[][]): this {
    this.#scripts.push(...scripts);
    return this;
  }

  release(): void {
    for (const release of this.#releases.splice(0)) release();
  }

  waitForHold(): Promise<void> {
    return new Promise((resolve) => this.#holding.push(resolve));
  }

  /** Resolves once `count` messages were offered to a turn (counting earlier ones). */
  waitForOffer(count = 1): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.offered.length >= count ? resolve() : this.#steerWaiters.push(check));
      check();
    });
  }

  #steer(message: SteerMessage): Promise<void> {
    this.offered.push(message);
    if (!this.refuseSteers) {
      this.steered.push(message);
      this.#untaken.push(message);
    }
    for (const notify of this.#steerWaiters.splice(0)) notify();
    return this.refuseSteers ? Promise.reject(new Error('this turn cannot take input')) : Promise.resolve();
  }

  async *turn(request: AgentTurnRequest): AsyncIterable<StreamPart> {
    const { signal, ...rest } = request;
    this.requests.push(structuredClone(rest));
    const script = this.#scripts.shift();
    if (!script) throw new Error('ScriptedAgent: no script left for this turn');
    for (const item of script) {
      signal.throwIfAborted();
      if (item.type === 'hold') {
        await new Promise<void>((resolve, reject) => {
          this.#releases.push(resolve);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          for (const notify of this.#holding.splice(0)) notify();
        });
        continue;
      }
      if (item.type === 'throw') throw item.error;
      if (item.type === 'steerable') {
        yield { type: 'steer-ready', steer: (message) => this.#steer(message) };
        continue;
      }
      if (item.type === 'take-steered') {
        while (this.#untaken.length === 0) {
          await new Promise<void>((resolve, reject) => {
            this.#steerWaiters.push(resolve);
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          });
        }
        yield { type: 'steer-taken', messageId: this.#untaken.shift()!.messageId };
        continue;
      }
      await Promise.resolve();
      yield item;
    }
  }
}

/** A turn: a session id, some text, then finish with the agent's own usage and cost. */
export function agentTextTurn(sessionId: string, text: string, costUsd = 0.0123): AgentScriptItem[] {
  return [
    { type: 'agent-session', sessionId },
    { type: 'text-start', id: 't' },
    { type: 'text-delta', id: 't', delta: text },
    { type: 'text-end', id: 't' },
    { type: 'finish', finishReason: 'stop', usage: { inputTokens: 100, outputTokens: 20 }, costUsd },
  ];
}
