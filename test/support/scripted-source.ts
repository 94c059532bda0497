/**
 * An in-memory StepSource for engine tests that are about the hub, not about providers: it plays
 * scripted stream parts, can hold mid-stream until released or aborted, and can throw.
 * Provider behaviour itself is tested against the fake upstream servers in test/peers.
 */
import type { StepRequest, StepSource, StreamPart } from '../../src/providers/stream-part.ts';

export type ScriptItem = StreamPart | { type: 'hold' } | { type: 'throw'; error: unknown };

export class ScriptedSource implements StepSource {
  readonly scripts: ScriptItem[][] = [];
  readonly requests: StepRequest[] = [];
  #releases: (() => void)[] = [];
  #holding: (() => void)[] = [];

  enqueue(...scripts: ScriptItem[][]): this {
    this.scripts.push(...scripts);
    return this;
  }

  /** Releases every stream currently holding. */
  release(): void {
    const releases = this.#releases;
    this.#releases = [];
    for (const release of releases) release();
  }

  /** Resolves when a stream reaches a `hold`. */
  waitForHold(): Promise<void> {
    return new Promise((resolve) => this.#holding.push(resolve));
  }

  async *stream(request: StepRequest): AsyncIterable<StreamPart> {
    this.requests.push(structuredClone({ ...request, signal: undefined }) as unknown as StepRequest);
    const script = this.scripts.shift();
    if (!script) throw new Error('ScriptedSource: no script left for this request');
    for (const item of script) {
      request.signal.throwIfAborted();
      if (item.type === 'hold') {
        await new Promise<void>((resolve, reject) => {
          this.#releases.push(resolve);
          request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true });
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

/** A text step: one text part streamed as the given deltas, then finish. */
export function textStep(deltas: string[], usage = { inputTokens: 10, outputTokens: deltas.length }): ScriptItem[] {
  return [
    { type: 'text-start', id: 't' },
    ...deltas.map((delta): ScriptItem => ({ type: 'text-delta', id: 't', delta })),
    { type: 'text-end', id: 't' },
    { type: 'finish', finishReason: 'stop', usage },
  ];
}
