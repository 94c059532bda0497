import { ConfabError } from '../domain/errors.ts';
import type { StreamLimiter } from './auth/stream-limiter.ts';

/** Something long-lived the server must end when it closes: an SSE stream or a WebSocket. */
export type OpenStream = { end(): void };

/**
 * The streams open on one server: counted against the per-token cap when they open, released when
 * they close, and ended together on shutdown.
 */
export class StreamRegistry {
  readonly #limiter: StreamLimiter;
  readonly #open = new Set<OpenStream>();
  closing = false;

  constructor(limiter: StreamLimiter) {
    this.#limiter = limiter;
  }

  /** Reserves a slot for `token`; throws `rate_limited` at the cap. Call the result when the stream closes. */
  reserve(token: string): () => void {
    if (this.closing) throw new ConfabError('internal', 'The server is shutting down.');
    const release = this.#limiter.acquire(token);
    if (!release) throw new ConfabError('rate_limited', 'Too many open streams (SSE and WebSocket) for this token; close some and try again.');
    return release;
  }

  add(stream: OpenStream): void {
    this.#open.add(stream);
  }

  delete(stream: OpenStream): void {
    this.#open.delete(stream);
  }

  get size(): number {
    return this.#open.size;
  }

  endAll(): void {
    this.closing = true;
    for (const stream of [...this.#open]) stream.end();
  }
}
