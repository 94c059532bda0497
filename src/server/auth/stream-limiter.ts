import { createHash } from 'node:crypto';

/**
 * Counts open streams (SSE responses and WebSocket sockets) per token and refuses one past the
 * cap. Tokens are kept as digests, and an entry is dropped when its count returns to zero, so the
 * map holds no more entries than there are streams.
 */
export class StreamLimiter {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** A release function for a new stream, or undefined when the token is at its cap. */
  acquire(token: string): (() => void) | undefined {
    const key = createHash('sha256').update(token).digest('base64');
    const count = this.#open.get(key) ?? 0;
    if (count >= this.#max) return undefined;
    this.#open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const remaining = (this.#open.get(key) ?? 1) - 1;
      if (remaining <= 0) this.#open.delete(key);
      else this.#open.set(key, remaining);
    };
  }

  open(token: string): number {
    return this.#open.get(createHash('sha256').update(token).digest('base64')) ?? 0;
  }
}
