import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ConfabError } from '../../domain/errors.ts';
import type { SessionHub } from '../../engine/session-hub.ts';
import type { Logger } from '../../util/logger.ts';
import type { TokenCheck } from '../auth/credentials.ts';
import type { OriginPolicy } from '../auth/origin-policy.ts';
import { endWithJsonError as refuse } from '../http/raw-error.ts';
import { requestIdOf } from '../http/request-id.ts';
import { splitUrl } from '../http/split-url.ts';
import type { ServerLimits } from '../server-limits.ts';
import type { StreamRegistry } from '../stream-registry.ts';
import { WsConnection } from './ws-connection.ts';

export const websocketPath = '/v1/ws';

export type WsGatewayOptions = {
  server: Server;
  hub: SessionHub;
  token: string;
  tokenCheck: TokenCheck;
  origins: OriginPolicy;
  streams: StreamRegistry;
  limits: ServerLimits;
  logger: Logger;
  /** Other WebSocket endpoints on the same server (the machine workers' `/v1/workers/ws`), by path; each checks its own credentials. */
  endpoints?: Map<string, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
};

/**
 * Accepts WebSocket upgrades on `/v1/ws`. Origin, token and the stream cap are checked before the
 * handshake: a refused upgrade gets a plain HTTP error response (403, 401, 429) and the socket is
 * closed, so a refused client never holds an open WebSocket. Pings every socket on an interval and
 * drops those that did not answer the previous ping.
 */
export class WsGateway {
  readonly #options: WsGatewayOptions;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<WsConnection>();
  readonly #requestIds = new WeakMap<IncomingMessage, string>();
  readonly #pingTimer: NodeJS.Timeout;
  #onEmpty: (() => void) | undefined;

  constructor(options: WsGatewayOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.limits.wsMaxPayloadBytes, perMessageDeflate: false, clientTracking: false });
    // A malformed handshake (wrong method, missing key or version): JSON like every other error,
    // instead of the library's text/html answer.
    this.#wss.on('wsClientError', (error: Error, socket: Duplex, req: IncomingMessage) => {
      refuse(socket, 'bad_request', `Invalid WebSocket handshake: ${error.message}.`, { status: req.method === 'GET' ? 400 : 405 });
    });
    // The 101 answer carries the request id like every HTTP answer.
    this.#wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const requestId = this.#requestIds.get(req);
      if (requestId !== undefined) headers.push(`X-Request-Id: ${requestId}`);
    });
    options.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    this.#pingTimer = setInterval(() => this.#pingAll(), options.limits.wsPingIntervalMs);
    this.#pingTimer.unref();
  }

  get size(): number {
    return this.#connections.size;
  }

  /** Closes every socket with 1001, and cuts those that have not finished closing after `graceMs`. */
  async close(graceMs: number): Promise<void> {
    clearInterval(this.#pingTimer);
    if (this.#connections.size === 0) return;
    const allClosed = new Promise<void>((resolve) => (this.#onEmpty = resolve));
    for (const connection of [...this.#connections]) connection.end();
    const timer = setTimeout(() => {
      for (const connection of [...this.#connections]) connection.terminate();
    }, graceMs);
    await allClosed;
    clearTimeout(timer);
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', ignore);
    const { pathname, query } = splitUrl(req.url);
    const endpoint = this.#options.endpoints?.get(pathname);
    if (endpoint) return endpoint(req, socket, head);
    if (pathname !== websocketPath) return refuse(socket, 'not_found', `No WebSocket endpoint at ${pathname}; use ${websocketPath}.`);
    const { origins, tokenCheck, streams, token } = this.#options;
    if (!origins.allows(req)) return refuse(socket, 'forbidden', `Origin ${req.headers.origin} is not allowed; start the server with --allow-origin ${req.headers.origin} to allow it.`);
    if (!tokenCheck.admits(req, query)) return refuse(socket, 'unauthorized', 'A valid token is required (Authorization: Bearer, the confab_token cookie, or ?token=).');
    let release: () => void;
    try {
      release = streams.reserve(token);
    } catch (error) {
      const { code, message } = ConfabError.is(error) ? error : new ConfabError('internal', 'Internal server error.');
      return refuse(socket, code, message);
    }
    // `close` comes once: no `once` wrapper kept per socket.
    socket.on('close', release);
    const requestId = requestIdOf(req);
    this.#requestIds.set(req, requestId);
    const opened = performance.now();
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new WsConnection({
        ws,
        socket,
        hub: this.#options.hub,
        limits: this.#options.limits,
        logger: this.#options.logger,
        requestId,
        onClose: (closed) => {
          closed.logger.info('websocket closed', { path: pathname, durationMs: Math.round(performance.now() - opened) });
          this.#connections.delete(closed);
          streams.delete(closed);
          if (this.#connections.size === 0) this.#onEmpty?.();
        },
      });
      this.#connections.add(connection);
      streams.add(connection);
    });
  }

  #pingAll(): void {
    for (const connection of this.#connections) {
      if (!connection.alive) connection.terminate();
      else connection.ping();
    }
  }
}

function ignore(): void {}
