import type { ApproveInput } from '../domain/approval-schemas.ts';
import type { MessageRefInput, SendInput } from '../domain/requests.ts';
import { parseEvent } from '../events/definitions.ts';
import type { ApproveResult, ContinueResult, RegenerateResult, SelectBranchResult, SendResult, StopResult } from './api-types.ts';
import { ConfabClientError, type ClientErrorCode } from './client-error.ts';
import { checkRequestSize } from './request-size.ts';
import type { Scheduler } from './scheduler.ts';
import type { Transport } from './transport.ts';

/** The slice of the WHATWG WebSocket this transport uses (browsers, Node 24's global, the `ws` package). */
export type WebSocketLike = {
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
};
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type WebSocketTransportOptions = {
  /** `ws://…/v1/ws` (with `?token=` when a token is used: browsers cannot set headers on a WebSocket). */
  url: string;
  WebSocket: WebSocketConstructor;
  scheduler: Scheduler;
  /** Time allowed for the socket to open. */
  connectTimeoutMs: number;
  /** Time allowed for the server's ack to a frame. */
  requestTimeoutMs: number;
  /** A ping is sent every `intervalMs`; no frame at all within `timeoutMs` after it ends the connection. 0 disables. */
  heartbeat: { intervalMs: number; timeoutMs: number };
  /** Frames awaiting an ack at once. */
  maxPendingRequests: number;
  /** The largest frame the server accepts (its `wsMaxPayloadBytes`): a larger command fails alone, unsent. */
  maxFrameBytes: number;
};

type Pending = { resolve: (result: unknown) => void; reject: (error: ConfabClientError) => void; timer: unknown; bytes: number };

const OPEN = 1;
/** The close code of a server that received a frame over its limit. */
const messageTooBig = 1009;

/** One WebSocket carrying every watched conversation; commands are frames answered by `ack` or `error`, matched by `id`. */
export class WebSocketTransport implements Transport {
  readonly kind = 'websocket';
  onevent?: Transport['onevent'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  readonly #options: WebSocketTransportOptions;
  readonly #pending = new Map<number, Pending>();
  #socket: WebSocketLike | undefined;
  #nextId = 1;
  #ended = false;
  #heartbeatTimer: unknown;
  #deadlineTimer: unknown;

  constructor(options: WebSocketTransportOptions) {
    this.#options = options;
  }

  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let socket: WebSocketLike;
      try {
        socket = new this.#options.WebSocket(this.#options.url);
      } catch (cause) {
        return reject(new ConfabClientError('network', 'The WebSocket could not be created.', { cause }));
      }
      this.#socket = socket;
      const { scheduler } = this.#options;
      const fail = (error: ConfabClientError) => {
        scheduler.clearTimeout(timer);
        detach(socket);
        safeClose(socket);
        reject(error);
      };
      const timer = scheduler.setTimeout(() => fail(new ConfabClientError('timeout', 'The WebSocket did not open in time.')), this.#options.connectTimeoutMs);
      // An upgrade refused (a proxy, a 403 for a foreign Origin) surfaces here as error/close before open.
      socket.onerror = () => fail(new ConfabClientError('network', 'The WebSocket could not be opened.'));
      socket.onclose = (event: { code?: number }) => fail(new ConfabClientError('network', `The WebSocket closed before it opened (code ${event?.code ?? 'unknown'}).`));
      socket.onopen = () => {
        scheduler.clearTimeout(timer);
        socket.onmessage = (message: { data: unknown }) => this.#receive(message.data);
        socket.onerror = () => undefined;
        socket.onclose = (event: { code?: number; reason?: string }) => {
          if (event?.code === messageTooBig) this.#refuseLargest();
          this.#end(new ConfabClientError('network', `The WebSocket closed (code ${event?.code ?? 'unknown'}${event?.reason ? `: ${event.reason}` : ''}).`));
        };
        this.#armHeartbeat();
        resolve();
      };
    });
  }

  async subscribe(conversationId: string, after: string | null): Promise<void> {
    await this.#request({ type: 'subscribe', conversationId, ...(after === null ? {} : { after }) });
  }

  async unsubscribe(conversationId: string): Promise<void> {
    await this.#request({ type: 'unsubscribe', conversationId });
  }

  send(conversationId: string, input: SendInput): Promise<SendResult> {
    return this.#request({ ...input, type: 'send', conversationId }) as Promise<SendResult>;
  }

  stop(conversationId: string, runId: string | undefined): Promise<StopResult> {
    return this.#request({ type: 'stop', conversationId, ...(runId === undefined ? {} : { runId }) }) as Promise<StopResult>;
  }

  continue(conversationId: string): Promise<ContinueResult> {
    return this.#request({ type: 'continue', conversationId }) as Promise<ContinueResult>;
  }

  regenerate(conversationId: string, input: MessageRefInput): Promise<RegenerateResult> {
    return this.#request({ ...input, type: 'regenerate', conversationId }) as Promise<RegenerateResult>;
  }

  selectBranch(conversationId: string, input: MessageRefInput): Promise<SelectBranchResult> {
    return this.#request({ ...input, type: 'select-branch', conversationId }) as Promise<SelectBranchResult>;
  }

  approve(conversationId: string, approvalId: string, input: ApproveInput): Promise<ApproveResult> {
    return this.#request({ ...input, type: 'approve', conversationId, approvalId }) as Promise<ApproveResult>;
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#end(null);
    if (socket) safeClose(socket, 1000);
  }

  #request(frame: Record<string, unknown>): Promise<unknown> {
    const socket = this.#socket;
    if (this.#ended || !socket || socket.readyState !== OPEN) return Promise.reject(new ConfabClientError('network', 'The WebSocket is not open.'));
    if (this.#pending.size >= this.#options.maxPendingRequests) {
      return Promise.reject(new ConfabClientError('rate_limited', `${this.#pending.size} requests are already waiting for the server.`));
    }
    const id = this.#nextId++;
    const data = JSON.stringify({ ...frame, id });
    try {
      // A frame over the server's limit would make it drop this socket, and every watch with it.
      checkRequestSize(data, this.#options.maxFrameBytes, frame.type === 'send' ? 'message' : `"${String(frame.type)}" request`);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const timer = this.#options.scheduler.setTimeout(() => {
        this.#pending.delete(id);
        reject(new ConfabClientError('timeout', `The server did not answer "${String(frame.type)}" in time.`));
      }, this.#options.requestTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer, bytes: data.length });
      try {
        socket.send(data);
      } catch (cause) {
        this.#settle(id, new ConfabClientError('network', 'The frame could not be sent.', { cause }));
      }
    });
  }

  #receive(data: unknown): void {
    if (this.#ended) return;
    this.#options.scheduler.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    if (typeof data !== 'string') return this.onerror?.(new ConfabClientError('bad_response', 'The server sent a binary frame.'));
    let frame: any;
    try {
      frame = JSON.parse(data);
    } catch {
      return this.onerror?.(new ConfabClientError('bad_response', 'The server sent a frame that is not JSON.'));
    }
    if (typeof frame !== 'object' || frame === null) return this.onerror?.(new ConfabClientError('bad_response', 'The server sent a frame that is not an object.'));
    if ('seq' in frame) {
      const parsed = parseEvent(frame);
      if (!parsed.ok) return this.onerror?.(new ConfabClientError('bad_response', `The server sent an invalid event: ${parsed.message}`));
      return this.onevent?.(parsed.event);
    }
    if (frame.type === 'ack') return this.#settle(frame.id, undefined, frame.result);
    if (frame.type === 'error') {
      const error = new ConfabClientError(
        (typeof frame.error?.code === 'string' ? frame.error.code : 'bad_response') as ClientErrorCode,
        typeof frame.error?.message === 'string' ? frame.error.message : 'The server sent an error frame.',
      );
      if (typeof frame.id === 'number' && this.#pending.has(frame.id)) return this.#settle(frame.id, error);
      return this.onerror?.(error);
    }
    if (frame.type === 'pong') return this.#settle(frame.id, undefined, undefined);
  }

  #settle(id: unknown, error: ConfabClientError | undefined, result?: unknown): void {
    const pending = typeof id === 'number' ? this.#pending.get(id) : undefined;
    if (!pending) return;
    this.#pending.delete(id as number);
    this.#options.scheduler.clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(result);
  }

  /**
   * The server closed with 1009: a frame was over its limit (lower than `maxFrameBytes`). The
   * largest one waiting fails as `payload_too_large`, so it is not sent again after the reconnect
   * (the others fail as `network`, and may be).
   */
  #refuseLargest(): void {
    let largest: [number, Pending] | undefined;
    for (const entry of this.#pending) if (!largest || entry[1].bytes > largest[1].bytes) largest = entry;
    if (!largest) return;
    this.#settle(largest[0], new ConfabClientError('payload_too_large', 'The server refused the request as too large for one WebSocket frame. Nothing was done.'));
  }

  #armHeartbeat(): void {
    const { intervalMs, timeoutMs } = this.#options.heartbeat;
    if (intervalMs <= 0) return;
    const { scheduler } = this.#options;
    this.#heartbeatTimer = scheduler.setTimeout(() => {
      if (this.#ended) return;
      // Any frame from the server counts as alive; the pong is just the frame we ask for. A deadline
      // already running (silent since an earlier ping) is kept, not pushed back.
      this.#deadlineTimer ??= scheduler.setTimeout(() => this.#end(new ConfabClientError('timeout', 'The server stopped answering pings.')), timeoutMs);
      this.#request({ type: 'ping' }).catch(() => undefined);
      this.#armHeartbeat();
    }, intervalMs);
  }

  #end(error: ConfabClientError | null): void {
    if (this.#ended) return;
    this.#ended = true;
    const { scheduler } = this.#options;
    scheduler.clearTimeout(this.#heartbeatTimer);
    scheduler.clearTimeout(this.#deadlineTimer);
    const socket = this.#socket;
    if (socket) {
      detach(socket);
      // A socket judged dead may take long to finish a closing handshake; do not wait for it.
      if (error) safeClose(socket, 4000, 'connection lost');
    }
    const reason = error ?? new ConfabClientError('closed', 'The connection was closed.');
    for (const [id, pending] of this.#pending) {
      scheduler.clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.reject(error ? new ConfabClientError('network', `The connection dropped before the server answered (${error.message})`, { cause: error }) : reason);
    }
    this.onclose?.(error);
  }
}

function detach(socket: WebSocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onerror = null;
  socket.onclose = null;
}

function safeClose(socket: WebSocketLike, code?: number, reason?: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closing, or a code this implementation refuses: either way the socket is going away.
  }
}
