import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionHub } from '../engine/session-hub.ts';
import { silentLogger, type Logger } from '../util/logger.ts';
import { TokenCheck } from './auth/credentials.ts';
import { OriginPolicy } from './auth/origin-policy.ts';
import { StreamLimiter } from './auth/stream-limiter.ts';
import { answerClientErrors } from './http/client-errors.ts';
import { lingerOnServerClose } from './http/lingering-close.ts';
import { createHttpApp } from './http/http-app.ts';
import type { ModelCatalog } from './routes/route-deps.ts';
import { buildRouteTable } from './routes/route-table.ts';
import { ServerMetrics } from './metrics/server-metrics.ts';
import { defaultServerLimits, type ServerLimits } from './server-limits.ts';
import { createStaticHandler } from './static/static-files.ts';
import { StreamRegistry } from './stream-registry.ts';
import { WsGateway } from './ws/ws-gateway.ts';

export type StartServerOptions = {
  hub: SessionHub;
  models: ModelCatalog;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4317; 0 picks a free port. */
  port?: number;
  token: string;
  /** Browser origins allowed besides the server's own (WebSocket upgrades, REST and SSE with CORS). */
  allowOrigins?: string[];
  limits?: Partial<ServerLimits>;
  logger?: Logger;
  /** A built web app served at `/` (index.html and assets), when given. */
  staticDir?: string;
  version?: string;
  /** Served at `/metrics`; give the hub its `observer` for the engine's counters. Default: gauges and Node's metrics only. */
  metrics?: ServerMetrics;
};

export type RunningServer = {
  /** `http://host:port`, with no trailing slash and no token. */
  url: string;
  port: number;
  /** Stops accepting, ends SSE streams and WebSockets (1001). Does not close the hub. */
  close(): Promise<void>;
};

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const limits: ServerLimits = { ...defaultServerLimits, ...options.limits };
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? '127.0.0.1';
  const tokenCheck = new TokenCheck(options.token);
  const origins = new OriginPolicy(options.allowOrigins);
  const streams = new StreamRegistry(new StreamLimiter(limits.maxStreamsPerToken));
  const metrics = options.metrics ?? new ServerMetrics();
  metrics.watch(options.hub);
  const router = buildRouteTable({
    metrics,
    hub: options.hub,
    models: options.models,
    version: options.version ?? '0.0.0',
    streams,
    token: options.token,
    sseKeepAliveMs: limits.sseKeepAliveMs,
  });

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often the two timeouts above are checked: at most a second late, sooner for short ones.
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
      // Checked in createHttpApp instead, so the answer is JSON like every other error.
      requireHostHeader: false,
    },
    createHttpApp({
      router,
      tokenCheck,
      origins,
      maxBodyBytes: limits.maxBodyBytes,
      logger,
      serveStatic: options.staticDir ? createStaticHandler(options.staticDir) : undefined,
    }),
  );
  // A client that half-closes after its request (FIN) still gets the answer: Node's default ends
  // the socket at once, dropping the response to a request that has already taken effect. With
  // this, the socket ends after the responses in flight (or at once when there are none).
  (server as typeof server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  answerClientErrors(server, limits);
  lingerOnServerClose(server);
  const gateway = new WsGateway({ server, hub: options.hub, token: options.token, tokenCheck, origins, streams, limits, logger });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4317, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error('http server error', { error }));
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        streams.endAll();
        server.closeIdleConnections();
        await gateway.close(limits.shutdownGraceMs);
        const forced = setTimeout(() => server.closeAllConnections(), limits.shutdownGraceMs);
        await stopped;
        clearTimeout(forced);
      })();
      return closing;
    },
  };
}

export type { ServerLimits };
