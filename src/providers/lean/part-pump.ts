import type { IncomingMessage } from 'node:http';
import type { StreamPart } from '../stream-part.ts';
import type { WireReader } from './lean-step-source.ts';
import { SseFrameCutter } from './sse-frame-cutter.ts';

/**
 * Feeds a response body to the SSE cutter and a wire reader as its bytes arrive (`data` events:
 * no async iterator, no promise per chunk) and queues the parts the reader makes for the consumer.
 * A failure (a reader error, the socket closing early) is kept and reported after the parts made
 * before it. Bounded: past `highWater` queued parts the body is paused until the consumer has
 * taken them all.
 */
export class PartPump {
  readonly #body: IncomingMessage;
  readonly #parts: StreamPart[];
  readonly #highWater: number;
  #index = 0;
  #wake: (() => void) | undefined;
  /** The response ended and the reader flushed. */
  ended = false;
  failure: { error: unknown } | undefined;

  /** `parts` is the array the reader pushes onto (its `out`). */
  constructor(body: IncomingMessage, reader: WireReader, parts: StreamPart[], highWater = 1024) {
    this.#body = body;
    this.#parts = parts;
    this.#highWater = highWater;
    const cutter = new SseFrameCutter((event, data) => reader.frame(event, data));
    body.on('data', (chunk: Buffer) => {
      if (this.failure || this.ended) return;
      try {
        cutter.push(chunk);
      } catch (error) {
        this.#fail(error);
        body.destroy();
      }
      if (this.#parts.length - this.#index >= this.#highWater) body.pause();
      this.#notify();
    });
    body.on('end', () => {
      if (this.failure) return;
      try {
        cutter.end();
        reader.end();
        this.ended = true;
      } catch (error) {
        this.#fail(error);
      }
      this.#notify();
    });
    body.on('error', (error) => this.#fail(error));
    body.on('close', () => {
      if (!this.ended) this.#fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    });
  }

  /** The next queued part, or undefined when none is queued now. */
  take(): StreamPart | undefined {
    if (this.#index < this.#parts.length) return this.#parts[this.#index++];
    this.#parts.length = 0;
    this.#index = 0;
    if (this.#body.isPaused()) this.#body.resume();
    return undefined;
  }

  /** Resolves at the next bytes, end, failure or `interrupt()`. */
  wait(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** Wakes a pending `wait()` (the step was aborted). */
  interrupt(): void {
    this.#notify();
  }

  #fail(error: unknown): void {
    this.failure ??= { error };
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
