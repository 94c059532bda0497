import type { ConfabEvent } from '../events/definitions.ts';
import { reconnectDelay, type ReconnectOptions } from './backoff.ts';
import { ConfabClientError, toClientError } from './client-error.ts';
import { notify } from './listeners.ts';
import type { Scheduler } from './scheduler.ts';
import type { Transport, TransportKind } from './transport.ts';

export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export type ConnectionState = {
  /** `idle` until something needs a live connection (a watch or a command); `closed` after `close()` or giving up. */
  status: ConnectionStatus;
  /** The reconnect attempt under way or awaited (1 for the first); 0 when open or connecting the first time. */
  attempt: number;
  /** While `reconnecting` and waiting: the delay before the next attempt. Null otherwise. */
  nextDelayMs: number | null;
  /** The transport in use while `open`. */
  transport: TransportKind | null;
  /** Why the connection was lost or the last attempt failed; null once open again. */
  error: ConfabClientError | null;
};

/** One watched conversation, as the connection sees it. */
export type Subscriber = {
  readonly conversationId: string;
  /** Where to resume: the cursor of the last event it holds. */
  cursor(): string | null;
  deliver(event: ConfabEvent): void;
  /** The server refused the subscription (not found, unauthorized, …): it is dropped, not retried. */
  reject(error: ConfabClientError): void;
  /** True once the server accepted the subscription on the current connection; false when that connection is lost. */
  setLive(live: boolean): void;
};

export type TransportMode = 'auto' | TransportKind;

export type ConnectionOptions = {
  mode: TransportMode;
  createTransport: (kind: TransportKind) => Transport;
  /** Answers when plain HTTP reaches the server (`GET /v1/health`); tells a refused upgrade from a server that is down. */
  probe: () => Promise<unknown>;
  reconnect: Required<ReconnectOptions>;
  scheduler: Scheduler;
  random: () => number;
  /** How long a command waits for the connection to be open. */
  requestTimeoutMs: number;
  onError?: (error: ConfabClientError) => void;
};

/**
 * Owns the live connection: opens a transport when first needed, reconnects with backoff and
 * jitter when it drops, resubscribes every watched conversation from its own cursor, and routes
 * events to subscribers. In `auto` mode a WebSocket that cannot be opened while plain HTTP works
 * (an upgrade refused by a proxy) switches this connection to SSE for the rest of its life.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #subscribers = new Map<string, Subscriber>();
  readonly #listeners = new Set<(state: ConnectionState) => void>();
  readonly #openWaiters = new Set<() => void>();
  #state: ConnectionState = { status: 'idle', attempt: 0, nextDelayMs: null, transport: null, error: null };
  #transport: Transport | undefined;
  #connecting = false;
  #generation = 0;
  #retryTimer: unknown;
  #fellBack = false;
  #closed = false;

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Whether `auto` mode has fallen back to SSE. */
  get fellBack(): boolean {
    return this.#fellBack;
  }

  onChange(listener: (state: ConnectionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  add(subscriber: Subscriber): void {
    if (this.#closed) return subscriber.reject(closedError());
    this.#subscribers.set(subscriber.conversationId, subscriber);
    if (this.#transport) this.#subscribe(this.#transport, subscriber);
    else this.#ensureConnecting();
  }

  remove(subscriber: Subscriber): void {
    if (this.#subscribers.get(subscriber.conversationId) !== subscriber) return;
    this.#subscribers.delete(subscriber.conversationId);
    subscriber.setLive(false);
    this.#transport?.unsubscribe(subscriber.conversationId).catch(() => undefined);
  }

  /** Runs a command on the open transport, waiting for it; `retries` more tries after a connection lost before the answer. */
  async command<T>(run: (transport: Transport) => Promise<T>, retries: number): Promise<T> {
    for (let tries = 0; ; tries++) {
      const transport = await this.#whenOpen();
      try {
        return await run(transport);
      } catch (error) {
        if (!ConfabClientError.is(error, 'network')) throw error;
        // The server is unreachable on this connection (over SSE, a REST command may learn it before
        // the streams do): reconnect, so that a retry waits for a connection known to work.
        if (this.#transport === transport) {
          this.#lost();
          void transport.close();
          this.#retry(error);
        }
        if (tries >= retries) throw error;
      }
    }
  }

  /** Connects now: skips the wait before the next attempt, or starts again after giving up. */
  reconnect(): void {
    if (this.#closed || this.#transport || this.#connecting) return;
    this.#options.scheduler.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#state.status === 'closed') this.#set({ ...this.#state, attempt: 0 });
    void this.#connect();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#generation++;
    this.#options.scheduler.clearTimeout(this.#retryTimer);
    const transport = this.#transport;
    this.#lost();
    this.#set({ status: 'closed', attempt: 0, nextDelayMs: null, transport: null, error: null });
    this.#wakeWaiters();
    await transport?.close();
  }

  #ensureConnecting(): void {
    if (this.#closed || this.#transport || this.#connecting || this.#retryTimer !== undefined) return;
    if (this.#state.status === 'closed') this.#set({ ...this.#state, attempt: 0 });
    void this.#connect();
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    this.#connecting = true;
    this.#set({ ...this.#state, status: this.#state.attempt === 0 ? 'connecting' : 'reconnecting', nextDelayMs: null });
    let opened: Opened;
    try {
      opened = await this.#open();
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#connecting = false;
      return this.#retry(toClientError(error));
    }
    if (generation !== this.#generation) return void opened.transport.close();
    this.#connecting = false;
    if (opened.lost() !== undefined) return this.#retry(opened.lost() ?? closedError());
    const transport = opened.transport;
    this.#transport = transport;
    transport.onclose = (error) => {
      if (this.#transport !== transport) return;
      this.#lost();
      this.#retry(error ?? closedError());
    };
    this.#set({ status: 'open', attempt: 0, nextDelayMs: null, transport: transport.kind, error: null });
    this.#wakeWaiters();
    for (const subscriber of this.#subscribers.values()) this.#subscribe(transport, subscriber);
  }

  async #open(): Promise<Opened> {
    const { mode, probe } = this.#options;
    if (mode === 'sse' || this.#fellBack) return this.#start('sse');
    try {
      return await this.#start('websocket');
    } catch (error) {
      if (mode === 'websocket') throw error;
      try {
        await probe();
      } catch {
        throw error;
      }
      this.#fellBack = true;
      return this.#start('sse');
    }
  }

  async #start(kind: TransportKind): Promise<Opened> {
    const transport = this.#options.createTransport(kind);
    let lost: ConfabClientError | null | undefined;
    transport.onclose = (error) => (lost = error);
    transport.onerror = (error) => this.#options.onError?.(error);
    transport.onevent = (event) => {
      if (this.#transport === transport) this.#subscribers.get(event.conversationId)?.deliver(event);
    };
    await transport.start();
    return { transport, lost: () => lost };
  }

  /** The current transport is gone: every subscription with it. */
  #lost(): void {
    this.#transport = undefined;
    for (const subscriber of this.#subscribers.values()) subscriber.setLive(false);
  }

  #subscribe(transport: Transport, subscriber: Subscriber): void {
    transport.subscribe(subscriber.conversationId, subscriber.cursor()).then(
      () => {
        if (this.#transport === transport && this.#subscribers.get(subscriber.conversationId) === subscriber) subscriber.setLive(true);
      },
      (cause) => this.#subscribeFailed(transport, subscriber, toClientError(cause)),
    );
  }

  #subscribeFailed(transport: Transport, subscriber: Subscriber, error: ConfabClientError): void {
    if (this.#transport !== transport) return;
    if (error.code === 'network' || error.code === 'timeout') {
      // The connection itself is failing: start over, and every subscription with it.
      this.#lost();
      void transport.close();
      return this.#retry(error);
    }
    if (this.#subscribers.get(subscriber.conversationId) === subscriber) this.#subscribers.delete(subscriber.conversationId);
    subscriber.reject(error);
  }

  #retry(error: ConfabClientError): void {
    if (this.#closed) return;
    const attempt = this.#state.attempt + 1;
    const { reconnect, scheduler, random } = this.#options;
    if (attempt > reconnect.maxAttempts) {
      this.#set({ status: 'closed', attempt: this.#state.attempt, nextDelayMs: null, transport: null, error });
      return this.#wakeWaiters();
    }
    const delay = reconnectDelay(attempt, reconnect, random);
    this.#set({ status: 'reconnecting', attempt, nextDelayMs: delay, transport: null, error });
    this.#retryTimer = scheduler.setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect();
    }, delay);
  }

  #whenOpen(): Promise<Transport> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#transport) return Promise.resolve(this.#transport);
    this.#ensureConnecting();
    return new Promise((resolve, reject) => {
      const { scheduler } = this.#options;
      const wake = () => {
        scheduler.clearTimeout(timer);
        this.#openWaiters.delete(wake);
        if (this.#transport) resolve(this.#transport);
        else reject(this.#closed ? closedError() : notConnected(this.#state));
      };
      const timer = scheduler.setTimeout(() => {
        this.#openWaiters.delete(wake);
        reject(notConnected(this.#state));
      }, this.#options.requestTimeoutMs);
      this.#openWaiters.add(wake);
    });
  }

  #wakeWaiters(): void {
    for (const wake of [...this.#openWaiters]) wake();
  }

  #set(state: ConnectionState): void {
    this.#state = state;
    notify(this.#listeners, state);
  }
}

type Opened = { transport: Transport; lost: () => ConfabClientError | null | undefined };

function closedError(): ConfabClientError {
  return new ConfabClientError('closed', 'The client was closed.');
}

function notConnected(state: ConnectionState): ConfabClientError {
  const detail = state.error ? `: ${state.error.message}` : '';
  return new ConfabClientError('network', `Not connected to the server (${state.status}, attempt ${state.attempt})${detail}`, { cause: state.error ?? undefined });
}
