import type { ServerResponse } from 'node:http';
import type { Subscription } from '../../engine/subscription.ts';
import type { ConfabEvent } from '../../events/definitions.ts';
import { sseFrame, sseKeepAliveFrame, sseRetryFrame } from './sse-frame.ts';

export const sseHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/** What an SSE stream drains: a conversation `Subscription`, or a catalog watch. */
export type SseSource<E> = { onReadable: (() => void) | undefined; readonly closed: boolean; readonly pending: number; take(): E[]; close(): void };

/**
 * Turns the events ready now into SSE frames; `end`: the response is complete after them. Called on
 * every drain, with no events too (the first drain, say).
 */
export type SseEncoder<E = ConfabEvent, S = Subscription> = (events: E[], subscription: S) => { frames: string; end: boolean };

/** Confab's own event stream: one frame per event, until the subscription ends. */
const eventFrames: SseEncoder = (events, subscription) => {
  let frames = '';
  for (const event of events) frames += sseFrame(event);
  return { frames, end: subscription.closed && subscription.pending === 0 };
};

/**
 * One SSE response fed by one subscription. Events ready in the same event-loop turn go out in
 * one write. When the socket's buffer is full (`write` returns false) it stops taking events until
 * `drain`; meanwhile the subscription's bound turns a long backlog into a snapshot. The stream
 * ends after the subscription does (the conversation was deleted, or the server is closing), and
 * the subscription is closed when the client goes away: the response closes, or the client's side
 * of the connection ends (FIN). The server keeps half-closed connections open to finish their
 * responses, but an SSE response never finishes, and no SSE client half-closes on purpose.
 */
export class SseStream<E = ConfabEvent, S extends SseSource<E> = SseSource<E>> {
  readonly #res: ServerResponse;
  readonly #subscription: S;
  readonly #keepAlive: NodeJS.Timeout;
  readonly #onClose: (stream: SseStream<E, S>) => void;
  readonly #encode: SseEncoder<E, S>;
  #scheduled = false;
  #paused = false;
  #closed = false;
  readonly #socket: ServerResponse['socket'];
  readonly #onClientEnd = () => this.end();

  /**
   * `encode`, `headers` and `preamble` (written first) default to Confab's event stream; the AI SDK
   * endpoint passes its own (src/interop/ui-chat).
   */
  constructor(options: {
    res: ServerResponse;
    subscription: S;
    keepAliveMs: number;
    onClose: (stream: SseStream<E, S>) => void;
    encode?: SseEncoder<E, S>;
    headers?: Record<string, string>;
    preamble?: string;
  }) {
    this.#res = options.res;
    this.#subscription = options.subscription;
    this.#onClose = options.onClose;
    this.#encode = options.encode ?? (eventFrames as unknown as SseEncoder<E, S>);
    this.#res.writeHead(200, options.headers ?? sseHeaders);
    const preamble = options.preamble ?? sseRetryFrame;
    if (preamble !== '') this.#res.write(preamble);
    this.#keepAlive = setInterval(() => {
      if (!this.#paused) this.#write(sseKeepAliveFrame);
    }, options.keepAliveMs);
    this.#res.on('close', () => this.#cleanup());
    this.#socket = this.#res.socket;
    if (this.#socket?.readableEnded) queueMicrotask(this.#onClientEnd);
    else this.#socket?.once('end', this.#onClientEnd);
    this.#subscription.onReadable = () => this.#schedule();
    this.#schedule();
  }

  /** Ends the response (server shutdown). */
  end(): void {
    this.#cleanup();
    this.#res.end();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    if (this.#closed || this.#paused) return;
    const { frames, end } = this.#encode(this.#subscription.take(), this.#subscription);
    if (frames !== '') this.#write(frames);
    if (end) this.end();
  }

  #write(chunk: string): void {
    if (this.#closed || this.#res.writableEnded) return;
    if (this.#res.write(chunk)) return;
    this.#paused = true;
    this.#res.once('drain', () => {
      this.#paused = false;
      this.#schedule();
    });
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepAlive);
    this.#socket?.off('end', this.#onClientEnd);
    this.#subscription.onReadable = undefined;
    this.#subscription.close();
    this.#onClose(this);
  }
}
