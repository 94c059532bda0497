import { silentLogger, type Logger } from '../../util/logger.ts';
import type { ToolScope } from '../tool.ts';
import { mcpServersFor, type McpConfig, type McpServerSettings } from './mcp-config.ts';
import { McpConnection, McpUnavailableError } from './mcp-connection.ts';

export type McpPoolOptions = {
  config: McpConfig;
  clientVersion: string;
  logger?: Logger;
  /** Live sessions at once, over all projects; the least recently used idle one makes room. Default 16. */
  maxConnections?: number;
  /** A session unused this long is closed (its process ends). Default 10 minutes. */
  idleMs?: number;
  /** After a server fails to start, runs skip it (at once, with the same error) this long before trying again. Default 30 s. */
  retryAfterMs?: number;
  now?: () => number;
};

export const defaultMaxConnections = 16;
const maxRememberedFailures = 256;

/**
 * The MCP sessions of all projects: opened on first use, reused, bounded in number, closed when
 * idle and on shutdown. A stdio server gets one process per project, running in the project's
 * directory; a server-wide HTTP server one session shared by every project. A session that ends
 * (the process crashed) is dropped, and the next use starts a fresh one; a server that failed to
 * start is not retried for `retryAfterMs`, so a broken server does not make every run wait out its
 * start-up timeout.
 */
export class McpPool {
  readonly #config: McpConfig;
  readonly #clientVersion: string;
  readonly #logger: Logger;
  readonly #maxConnections: number;
  readonly #idleMs: number;
  readonly #retryAfterMs: number;
  readonly #now: () => number;
  readonly #live = new Map<string, McpConnection>();
  readonly #opening = new Map<string, Promise<McpConnection>>();
  readonly #failed = new Map<string, { until: number; error: McpUnavailableError }>();
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: McpPoolOptions) {
    this.#config = options.config;
    this.#clientVersion = options.clientVersion;
    this.#logger = options.logger ?? silentLogger;
    this.#maxConnections = options.maxConnections ?? defaultMaxConnections;
    this.#idleMs = options.idleMs ?? 10 * 60_000;
    this.#retryAfterMs = options.retryAfterMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    if (!(this.#maxConnections >= 1)) throw new RangeError('maxConnections must be at least 1');
  }

  /** The servers whose tools a run in this project gets. */
  servers(scope: ToolScope): McpServerSettings[] {
    return mcpServersFor(this.#config, scope.projectName);
  }

  /** Live sessions, for tests and diagnostics. */
  get size(): number {
    return this.#live.size;
  }

  /** The session already open for this server in this project, if any. */
  cached(settings: McpServerSettings, scope: ToolScope): McpConnection | undefined {
    return this.#live.get(keyOf(settings, scope));
  }

  /** An open session, started if needed. Throws McpUnavailableError (a message fit for the model) when it cannot be had. */
  async connection(settings: McpServerSettings, scope: ToolScope, signal?: AbortSignal): Promise<McpConnection> {
    if (this.#closed) throw new McpUnavailableError('MCP servers are shutting down.');
    const key = keyOf(settings, scope);
    const live = this.#live.get(key);
    if (live && !live.closed) {
      live.lastUsedAt = this.#now();
      return live;
    }
    const failed = this.#failed.get(key);
    if (failed && failed.until > this.#now()) throw failed.error;
    let pending = this.#opening.get(key);
    if (!pending) {
      this.#makeRoom();
      const opening = this.#open(key, settings, scope);
      this.#opening.set(key, opening);
      opening.then(
        () => this.#opening.delete(key),
        () => this.#opening.delete(key),
      );
      pending = opening;
    }
    const connection = await (signal ? raceSignal(pending, signal) : pending);
    connection.lastUsedAt = this.#now();
    return connection;
  }

  async #open(key: string, settings: McpServerSettings, scope: ToolScope): Promise<McpConnection> {
    try {
      const connection: McpConnection = await McpConnection.open({
        settings,
        cwd: scope.projectRoot,
        logger: this.#logger,
        clientVersion: this.#clientVersion,
        // A session that ends by itself (the process exited) is dropped: the next use starts afresh.
        onClosed: () => this.#forget(key),
      });
      if (this.#closed) {
        await connection.close();
        throw new McpUnavailableError('MCP servers are shutting down.');
      }
      this.#live.set(key, connection);
      this.#failed.delete(key);
      this.#armSweeper();
      return connection;
    } catch (error) {
      const unavailable = error instanceof McpUnavailableError ? error : new McpUnavailableError(`The MCP server "${settings.name}" could not be started.`);
      this.#logger.warn('MCP server unavailable', { server: settings.name, project: scope.projectName, reason: unavailable.message, stderr: unavailable.stderrTail.slice(-500) || undefined });
      this.#rememberFailure(key, unavailable);
      throw unavailable;
    }
  }

  #forget(key: string): void {
    const connection = this.#live.get(key);
    if (connection?.closed) this.#live.delete(key);
  }

  #retire(connection: McpConnection): void {
    for (const [key, live] of this.#live) {
      if (live === connection) this.#live.delete(key);
    }
    void connection.close();
  }

  /** Closes the least recently used idle session when the pool is full; refuses when every session is busy. */
  #makeRoom(): void {
    if (this.#live.size + this.#opening.size < this.#maxConnections) return;
    const idle = [...this.#live.values()].filter((connection) => connection.inFlight === 0).sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
    if (!idle) throw new McpUnavailableError(`Too many MCP servers are in use at once (the limit is ${this.#maxConnections}); try again when a call has finished.`);
    this.#retire(idle);
  }

  #rememberFailure(key: string, error: McpUnavailableError): void {
    this.#failed.delete(key);
    this.#failed.set(key, { until: this.#now() + this.#retryAfterMs, error });
    if (this.#failed.size > maxRememberedFailures) this.#failed.delete(this.#failed.keys().next().value!);
  }

  #armSweeper(): void {
    if (this.#sweeper) return;
    this.#sweeper = setInterval(() => this.sweepIdle(), Math.max(1_000, Math.floor(this.#idleMs / 4)));
    this.#sweeper.unref();
  }

  /** Closes sessions unused for `idleMs` (called on a timer; public for tests). */
  sweepIdle(): void {
    const now = this.#now();
    for (const connection of this.#live.values()) {
      if (connection.inFlight === 0 && now - connection.lastUsedAt >= this.#idleMs) this.#retire(connection);
    }
    if (this.#live.size === 0 && this.#sweeper) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  /** Closes every session (stdio servers' processes end); later requests are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    await Promise.allSettled([...this.#opening.values()]);
    await Promise.all([...this.#live.values()].map((connection) => connection.close()));
    this.#live.clear();
  }
}

/** Stdio servers run per project (in its directory); a server-wide HTTP server is shared. */
function keyOf(settings: McpServerSettings, scope: ToolScope): string {
  const shared = settings.transport.kind === 'http' && settings.scope.kind === 'server';
  return shared ? `server\0${settings.name}` : `project\0${scope.projectRoot}\0${settings.scope.kind}\0${settings.name}`;
}

function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
