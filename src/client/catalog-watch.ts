import { parseCatalogEvent, type CatalogEvent, type SessionStatus } from '../events/catalog-definitions.ts';
import { parseCursor } from '../events/cursor.ts';
import { reconnectDelay, type ReconnectOptions } from './backoff.ts';
import { ConfabClientError, toClientError } from './client-error.ts';
import { errorFromResponse, type Http } from './http.ts';
import { notify } from './listeners.ts';
import type { Scheduler } from './scheduler.ts';
import { SseParser } from './sse-parser.ts';
import type { WatchStatus } from './watch-reducer.ts';

/** `connecting` until the first stream opens, `live` while one is open, `reconnecting` between, `closed` at the end. */
export type CatalogWatchStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export type CatalogWatchOptions = {
  http: Http;
  scheduler: Scheduler;
  reconnect: Required<ReconnectOptions>;
  random: () => number;
  /** The server sends a keep-alive comment every 15 s; a stream silent this long is reconnected. 0 disables. */
  idleTimeoutMs: number;
  /** Time allowed for the stream's response headers. */
  requestTimeoutMs: number;
};

const watchStatuses: Record<SessionStatus, WatchStatus> = {
  idle: 'idle',
  queued: 'queued',
  // Waiting for a machine worker: a run waits, none executes.
  waiting: 'queued',
  running: 'running',
  'waiting-for-approval': 'requires-action',
};

/** A `session-status` as a conversation watch's status (what lists already show for an open conversation). */
export function watchStatusOf(status: SessionStatus): WatchStatus {
  return watchStatuses[status];
}

/** Answers that another attempt cannot change: the watch ends with them. */
const finalCodes = new Set(['unauthorized', 'forbidden', 'not_found', 'bad_request']);

/**
 * The catalog feed (`GET /v1/catalog/events`): projects, conversations and live session status, so
 * lists follow changes without polling. One `fetch` stream of SSE (browser-safe; it can carry the
 * Authorization header, which EventSource cannot). After a drop it reconnects with backoff from its
 * last cursor: the server replays what it missed, or sends `catalog-reload` (the first event of every
 * fresh watch too), after which the caller reloads its lists over REST. Events already seen are dropped.
 */
export class CatalogWatch {
  /** Resolves once the first stream is open; rejects if it never can be (bad token, closed, attempts exhausted). */
  readonly ready: Promise<void>;
  readonly #options: CatalogWatchOptions;
  readonly #listeners = new Set<(event: CatalogEvent) => void>();
  readonly #statusListeners = new Set<(status: CatalogWatchStatus) => void>();
  #status: CatalogWatchStatus = 'connecting';
  #cursor: string | null = null;
  #controller: AbortController | undefined;
  #retryTimer: unknown;
  #attempt = 0;
  #settleReady!: (error?: ConfabClientError) => void;
  /** Why the watch closed, when it was not `close()`. */
  error: ConfabClientError | null = null;

  constructor(options: CatalogWatchOptions) {
    this.#options = options;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (error) => (error ? reject(error) : resolve());
    });
    // Awaiting `ready` is optional: never let an unobserved rejection crash the host.
    this.ready.catch(() => undefined);
    void this.#connect();
  }

  get status(): CatalogWatchStatus {
    return this.#status;
  }

  /** The cursor of the last event received: where a reconnect resumes. */
  get cursor(): string | null {
    return this.#cursor;
  }

  /** Every catalog event, in order, once; `catalog-reload` means: reload the lists. Returns the unsubscribe. */
  onEvent(listener: (event: CatalogEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onStatus(listener: (status: CatalogWatchStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  close(): void {
    this.#end(null);
  }

  async #connect(): Promise<void> {
    const { http, scheduler } = this.#options;
    const controller = (this.#controller = new AbortController());
    let timedOut = false;
    const headersTimer = scheduler.setTimeout(() => ((timedOut = true), controller.abort()), this.#options.requestTimeoutMs);
    let response: Response;
    try {
      response = await http.send(http.url('/v1/catalog/events'), {
        headers: http.headers({ accept: 'text/event-stream', ...(this.#cursor === null ? {} : { 'last-event-id': this.#cursor }) }),
        cache: 'no-store',
        signal: controller.signal,
      });
      if (!response.ok || !response.body) throw response.ok ? new ConfabClientError('bad_response', 'The catalog stream has no body.') : await errorFromResponse(response);
    } catch (error) {
      return this.#lost(timedOut ? new ConfabClientError('timeout', 'The catalog stream did not open in time.') : toClientError(error), controller);
    } finally {
      scheduler.clearTimeout(headersTimer);
    }
    if (this.#controller !== controller) return void response.body.cancel().catch(() => {});
    this.#attempt = 0;
    this.#setStatus('live');
    this.#settleReady();
    this.#lost(await this.#pump(response.body, controller), controller);
  }

  /** Reads the stream until it ends; resolves with why. */
  async #pump(body: ReadableStream<Uint8Array>, controller: AbortController): Promise<ConfabClientError> {
    const { scheduler, idleTimeoutMs } = this.#options;
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let idleTimer: unknown;
    let silent = false;
    const armIdle = () => {
      scheduler.clearTimeout(idleTimer);
      if (idleTimeoutMs > 0) idleTimer = scheduler.setTimeout(() => ((silent = true), controller.abort()), idleTimeoutMs);
    };
    try {
      armIdle();
      while (true) {
        const { done, value } = await reader.read();
        if (done || this.#controller !== controller) break;
        armIdle();
        for (const message of parser.feed(decoder.decode(value, { stream: true }))) this.#message(message.data);
      }
      return new ConfabClientError('network', 'The catalog stream ended.');
    } catch (cause) {
      return silent ? new ConfabClientError('timeout', 'The catalog stream went silent (no keep-alive).') : new ConfabClientError('network', 'The catalog stream broke.', { cause });
    } finally {
      scheduler.clearTimeout(idleTimer);
      reader.releaseLock();
    }
  }

  #message(data: string): void {
    let parsed: ReturnType<typeof parseCatalogEvent>;
    try {
      parsed = parseCatalogEvent(JSON.parse(data));
    } catch {
      return;
    }
    if (!parsed.ok) return;
    const event = parsed.event;
    if (event.type !== 'catalog-reload' && this.#seen(event.cursor)) return;
    this.#cursor = event.cursor;
    notify(this.#listeners, event);
  }

  /** Same epoch and not past the last cursor: delivered already. */
  #seen(cursor: string): boolean {
    const last = parseCursor(this.#cursor);
    const next = parseCursor(cursor);
    return last !== undefined && next !== undefined && last.epoch === next.epoch && next.seq <= last.seq;
  }

  /** The stream `controller` ended with `error`: try again later, unless the answer is final or attempts ran out. */
  #lost(error: ConfabClientError, controller: AbortController): void {
    if (this.#controller !== controller || this.#status === 'closed') return;
    const { reconnect, random, scheduler } = this.#options;
    this.#attempt++;
    if (finalCodes.has(error.code) || this.#attempt > reconnect.maxAttempts) return this.#end(error);
    this.#setStatus('reconnecting');
    this.#retryTimer = scheduler.setTimeout(() => void this.#connect(), reconnectDelay(this.#attempt, reconnect, random));
  }

  #end(error: ConfabClientError | null): void {
    if (this.#status === 'closed') return;
    this.error = error;
    this.#options.scheduler.clearTimeout(this.#retryTimer);
    this.#controller?.abort();
    this.#controller = undefined;
    this.#settleReady(error ?? new ConfabClientError('closed', 'The catalog watch was closed.'));
    this.#setStatus('closed');
  }

  #setStatus(status: CatalogWatchStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    notify(this.#statusListeners, status);
  }
}
