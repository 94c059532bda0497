import type { StreamPart } from '../providers/stream-part.ts';

/**
 * Parts an agent reported, waiting for the run loop to take them: the bridge from an agent's
 * callbacks (notifications arrive whenever the agent sends them) to the `AsyncIterable` a turn
 * returns. Consecutive deltas of one text or reasoning stream are joined while they wait, so what
 * the queue holds grows with the agent's output, not with its number of messages.
 */
export class PartQueue implements AsyncIterable<StreamPart> {
  readonly #parts: StreamPart[] = [];
  #ended = false;
  #error: unknown;
  #wake: (() => void) | undefined;

  push(...parts: StreamPart[]): void {
    if (this.#ended) return;
    for (const part of parts) {
      const last = this.#parts.at(-1);
      if (last && (last.type === 'text-delta' || last.type === 'reasoning-delta') && part.type === last.type && part.id === last.id) {
        this.#parts[this.#parts.length - 1] = { ...last, delta: last.delta + part.delta };
      } else {
        this.#parts.push(part);
      }
    }
    this.#notify();
  }

  end(...parts: StreamPart[]): void {
    this.push(...parts);
    this.#ended = true;
    this.#notify();
  }

  fail(error: unknown): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    this.#notify();
  }

  get ended(): boolean {
    return this.#ended;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamPart> {
    while (true) {
      const part = this.#parts.shift();
      if (part) {
        yield part;
        continue;
      }
      if (this.#ended) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
