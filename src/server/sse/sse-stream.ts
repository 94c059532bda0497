import type { ServerResponse } from 'node:http';
import type { Subscription } from '../../engine/subscription.ts';
import { sseFrame, sseKeepAliveFrame, sseRetryFrame } from './sse-frame.ts';

export const sseHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/**
 * One SSE response fed by one subscription. Events ready in the same event-loop turn go out in
 * one write. When the socket's buffer is full (`write` returns false) it stops taking events until
 * `drain`; meanwhile the subscription's bound turns a long backlog into a snapshot. The stream
 * ends after the subscription does (the conversation was deleted, or the server is closing), and
 * the subscription is closed when the client goes away: the response closes, or the client's side
 * of the connection ends (FIN). The server keeps half-closed connections open to finish their
 * responses, but an SSE response never finishes, and no SSE client half-closes on purpose.
 */
export class SseStream {
  readonly #res: ServerResponse;
  readonly #subscription: Subscription;
  readonly #keepAlive: NodeJS.Timeout;
  readonly #onClose: (stream: SseStream) => void;
  #scheduled = false;
  #paused = false;
  #closed = false;
  readonly #socket: ServerResponse['socket'];
  readonly #onClientEnd = () => this.end();

  constructor(options: { res: ServerResponse; subscription: Subscription; keepAliveMs: number; onClose: (stream: SseStream) => void }) {
    this.#res = options.res;
    this.#subscription = options.subscription;
    this.#onClose = options.onClose;
    this.#res.writeHead(200, sseHeaders);
    this.#res.write(sseRetryFrame);
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
    let batch = '';
    for (const event of this.#subscription.take()) batch += sseFrame(event);
    if (batch !== '') this.#write(batch);
    if (this.#subscription.closed && this.#subscription.pending === 0) this.end();
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
