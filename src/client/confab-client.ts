import type { ApproveInput } from '../domain/approval-schemas.ts';
import type { ApproveResult, MessageSearchHit, ModelList, RequestLimits, SessionInfo, Health } from './api-types.ts';
import { defaultReconnectOptions, type ReconnectOptions } from './backoff.ts';
import type { ConfabClientError } from './client-error.ts';
import { Connection, type ConnectionState, type TransportMode } from './connection.ts';
import { CatalogWatch } from './catalog-watch.ts';
import { ConversationWatch } from './conversation-watch.ts';
import { Http, type FetchLike } from './http.ts';
import { randomRequestId } from './request-id.ts';
import { defaultMaxRequestBytes } from './request-size.ts';
import { ConversationsApi, health, limits, models, ProjectsApi, search, sessions } from './rest-api.ts';
import { WorkersApi } from './workers-api.ts';
import { globalScheduler, type Scheduler } from './scheduler.ts';
import { SseTransport } from './sse-transport.ts';
import type { Transport, TransportKind } from './transport.ts';
import { WebSocketTransport, type WebSocketConstructor } from './websocket-transport.ts';

export type ClientOptions = {
  /** Server base URL, e.g. `http://127.0.0.1:4317`. */
  url: string;
  /** The access token. Omit in a page served by Confab itself: its cookie authenticates. */
  token?: string;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Defaults to the global `WebSocket` (browsers, Node 22+). */
  WebSocket?: WebSocketConstructor;
  /** `auto` (default): WebSocket, falling back to SSE for good when upgrades are refused. */
  transport?: TransportMode;
  reconnect?: Partial<ReconnectOptions>;
  scheduler?: Scheduler;
  /** Used for reconnect jitter. */
  random?: () => number;
  /** Id that makes a send idempotent; defaults to a random UUID. */
  newRequestId?: () => string;
  /** Time allowed for an answer to a command (and for the connection to be open for it). Default 30 s. */
  requestTimeoutMs?: number;
  /** Time allowed for a WebSocket to open. Default 10 s. */
  connectTimeoutMs?: number;
  /** WebSocket liveness check. Default: a ping every 30 s, dead after 10 s of silence. `intervalMs: 0` disables. */
  heartbeat?: { intervalMs: number; timeoutMs: number };
  /** An SSE stream silent this long (the server sends keep-alives every 15 s) is reconnected. Default 45 s. */
  sseIdleTimeoutMs?: number;
  /**
   * The largest request sent, as a WebSocket frame or REST body; a larger one fails with
   * `payload_too_large` and is never sent. Default 1 MiB, the server's default limit for both.
   */
  maxRequestBytes?: number;
  /** Problems that do not end the connection: malformed frames, error frames answering no request. */
  onError?: (error: ConfabClientError) => void;
};

/** Creates a client. Nothing connects until the first `watch()` or live command; REST calls are plain `fetch`. */
export function createClient(options: ClientOptions): ConfabClient {
  return new ConfabClient(options);
}

export class ConfabClient {
  readonly projects: ProjectsApi;
  /** Machine workers and their tokens. */
  readonly workers: WorkersApi;
  /** REST: list, create, get, update, delete, and `send`/`stop`/`continue` over plain HTTP. */
  readonly conversations: ConversationsApi;
  readonly #http: Http;
  readonly #connection: Connection;
  readonly #watches = new Map<string, ConversationWatch>();
  readonly #newRequestId: () => string;
  readonly #catalogWatches = new Set<CatalogWatch>();
  readonly #catalogOptions: ConstructorParameters<typeof CatalogWatch>[0];

  constructor(options: ClientOptions) {
    this.#http = new Http(options);
    this.projects = new ProjectsApi(this.#http);
    this.workers = new WorkersApi(this.#http);
    this.conversations = new ConversationsApi(this.#http);
    this.#newRequestId = options.newRequestId ?? (() => randomRequestId());
    const scheduler = options.scheduler ?? globalScheduler;
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const WebSocketImpl = options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined);
    let mode = options.transport ?? 'auto';
    if (!WebSocketImpl && mode === 'websocket') throw new TypeError('No WebSocket implementation: pass `WebSocket` in the options, or use transport "sse" or "auto".');
    if (!WebSocketImpl) mode = 'sse';
    const createTransport = (kind: TransportKind): Transport => {
      if (kind === 'sse') {
        return new SseTransport({ http: this.#http, conversations: this.conversations, scheduler, idleTimeoutMs: options.sseIdleTimeoutMs ?? 45_000, requestTimeoutMs });
      }
      return new WebSocketTransport({
        url: webSocketUrl(this.#http.baseUrl, options.token),
        WebSocket: WebSocketImpl!,
        scheduler,
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        requestTimeoutMs,
        heartbeat: options.heartbeat ?? { intervalMs: 30_000, timeoutMs: 10_000 },
        maxPendingRequests: 1_000,
        maxFrameBytes: options.maxRequestBytes ?? defaultMaxRequestBytes,
      });
    };
    const reconnect = { ...defaultReconnectOptions, ...definedOnly(options.reconnect ?? {}) };
    const random = options.random ?? Math.random;
    this.#catalogOptions = {
      http: this.#http,
      scheduler,
      reconnect,
      random,
      idleTimeoutMs: options.sseIdleTimeoutMs ?? 45_000,
      requestTimeoutMs,
    };
    this.#connection = new Connection({
      mode,
      createTransport,
      probe: () => health(this.#http),
      reconnect,
      scheduler,
      random,
      requestTimeoutMs,
      onError: options.onError,
    });
  }

  /** The server base URL. */
  get url(): string {
    return this.#http.baseUrl;
  }

  /** `GET /v1/health` (no token needed). */
  health(): Promise<Health> {
    return health(this.#http);
  }

  /** Live conversations: status, subscribers, active and queued runs. */
  sessions(): Promise<SessionInfo[]> {
    return sessions(this.#http);
  }

  /** Configured models with pricing, and the server's default model. */
  models(): Promise<ModelList> {
    return models(this.#http);
  }

  /**
   * `GET /v1/search`: messages (of every conversation, or of `project`) with a word starting with
   * each word of `text`, newest first, each with a snippet and its matched ranges.
   */
  search(text: string, options: { project?: string; limit?: number } = {}): Promise<MessageSearchHit[]> {
    return search(this.#http, text, options);
  }

  /** `GET /v1/limits`: the bounds the server enforces on messages and queues (a server older than this endpoint answers not_found). */
  limits(): Promise<RequestLimits> {
    return limits(this.#http);
  }

  /**
   * Answers a pending approval over REST (a watch's `approve` uses its live connection instead):
   * `{ decision: 'allow-once' | 'allow-always' | 'deny' | 'deny-always', note? }`. Resolves once the
   * answer is stored; `approval_closed` when it was already answered, expired or cancelled.
   */
  approve(conversationId: string, approvalId: string, input: ApproveInput): Promise<ApproveResult> {
    return this.conversations.approve(conversationId, approvalId, input);
  }

  /**
   * A live, reconciled view of a conversation. Watching a conversation this client already watches
   * returns the same watch; each call needs its own `close()`.
   */
  watch(conversationId: string): ConversationWatch {
    const existing = this.#watches.get(conversationId);
    if (existing) return existing.retain();
    const watch = new ConversationWatch(conversationId, {
      conversations: this.conversations,
      connection: this.#connection,
      newRequestId: this.#newRequestId,
      onClosed: (closed) => {
        if (this.#watches.get(conversationId) === closed) this.#watches.delete(conversationId);
      },
    });
    this.#watches.set(conversationId, watch);
    return watch;
  }

  /**
   * The catalog feed: projects, conversations and each conversation's live status as events, so
   * lists need no polling. Starts with `catalog-reload` (load the lists, then apply events);
   * reconnects by itself from its cursor. Its own SSE stream, beside the live connection.
   */
  watchCatalog(): CatalogWatch {
    const watch = new CatalogWatch(this.#catalogOptions);
    this.#catalogWatches.add(watch);
    watch.onStatus((status) => status === 'closed' && this.#catalogWatches.delete(watch));
    return watch;
  }

  /** The live connection's state. */
  get connection(): ConnectionState {
    return this.#connection.state;
  }

  /** Bound: `useSyncExternalStore(client.onConnectionChange, () => client.connection)`. */
  readonly onConnectionChange = (listener: (state: ConnectionState) => void): (() => void) => this.#connection.onChange(listener);

  /** Reconnects now instead of waiting for the next backoff attempt (or after giving up). */
  reconnect(): void {
    this.#connection.reconnect();
  }

  /** Closes the live connection and every watch. REST calls keep working. */
  async close(): Promise<void> {
    for (const watch of [...this.#catalogWatches]) watch.close();
    for (const watch of [...this.#watches.values()]) {
      while (!watch.closed) watch.close();
    }
    await this.#connection.close();
  }
}

/** `http(s)://host/prefix` → `ws(s)://host/prefix/v1/ws`, with the token as a query parameter (browsers cannot set WebSocket headers). */
export function webSocketUrl(baseUrl: string, token: string | undefined): string {
  const url = new URL(`${baseUrl}/v1/ws`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token !== undefined) url.searchParams.set('token', token);
  return url.toString();
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
