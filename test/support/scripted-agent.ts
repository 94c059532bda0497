/**
 * An in-memory coding agent for engine tests of the agent-session seam: each turn plays a script
 * of stream parts (text, tool calls it "executes" itself, plans, a session id, a finish with
 * usage and cost), can hold until released or aborted, and can throw. It records every request,
 * so tests can check the directory, model, prompt and resumed session it was given. The real
 * agents (Claude Code, Codex, OpenCode, ACP) are tested against their binaries elsewhere.
 */
import type { AgentSource, AgentTurnRequest } from '../../src/agents/agent-source.ts';
import type { StreamPart } from '../../src/providers/stream-part.ts';

export type AgentScriptItem = StreamPart | { type: 'hold' } | { type: 'throw'; error: unknown };

export class ScriptedAgent implements AgentSource {
  readonly kind = 'agent' as const;
  readonly requests: Omit<AgentTurnRequest, 'signal'>[] = [];
  readonly #scripts: AgentScriptItem[][] = [];
  #releases: (() => void)[] = [];
  #holding: (() => void)[] = [];

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
