import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConfabError } from '../domain/errors.ts';
import { combineObservers } from '../engine/engine-observer.ts';
import type { ApprovalOptions } from '../engine/approvals/approval-gate.ts';
import { SessionHub } from '../engine/session-hub.ts';
import { createModelRegistry } from '../providers/model-registry.ts';
import { loadProviderConfig } from '../providers/provider-config.ts';
import { openStore } from '../store/open-store.ts';
import { createMcpTools } from '../tools/mcp/mcp-tools.ts';
import type { Store } from '../store/store.ts';
import { silentLogger, type Logger } from '../util/logger.ts';
import { packageVersion } from '../util/package-version.ts';
import { resolveToken } from './auth/token-file.ts';
import { benchLimits } from './bench-hooks.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { runLogObserver } from './logging/run-log-observer.ts';
import { ServerMetrics } from './metrics/server-metrics.ts';
import type { ServerLimits } from './server-limits.ts';
import { startServer } from './server.ts';
import { removeServerFile, writeServerFile } from './server-file.ts';

export type ServeOptions = {
  /** Default 127.0.0.1. A non-loopback host needs `CONFAB_TOKEN` in `env`. */
  host?: string;
  /** Default 4317; 0 picks a free port. */
  port?: number;
  /** Holds `confab.db`, `token` and, while serving, `server.json` (its URL and pid); created when missing. */
  dataDir: string;
  /** Provider config file; else `CONFAB_CONFIG` from `env`. */
  configPath?: string;
  allowOrigins?: string[];
  /** Provider keys, `CONFAB_TOKEN`, `CONFAB_CONFIG`. */
  env: Record<string, string | undefined>;
  logger?: Logger;
  /** Default: the package's built web app (`web/dist`) when it exists. */
  staticDir?: string;
  limits?: Partial<ServerLimits>;
  /** Which tools' calls wait for a person's approval, and for how long (see `confab serve --require-approval`). */
  approvals?: ApprovalOptions;
};

export type RunningServe = {
  /** `http://host:port`. */
  url: string;
  port: number;
  token: string;
  /** The URL to click: it hands the token to the browser, which keeps it as a cookie. */
  openUrl: string;
  providerNames: string[];
  /** Stops the server, then the hub (runs become interrupted, partial text checkpointed), then the store. */
  close(): Promise<void>;
};

const packageRoot = new URL('../../', import.meta.url);

/**
 * Everything `confab serve` runs, in one process: provider config, the data directory's lock (one
 * server per data directory), token, the SQLite store in the data directory, the hub (recovering runs a previous process left running) and the HTTP server.
 * Throws a ConfabError (bad config, refused host) or the listen error (EADDRINUSE) on failure,
 * having closed whatever it had opened.
 */
export async function serve(options: ServeOptions): Promise<RunningServe> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.env.CONFAB_TOKEN?.trim()) {
    throw new ConfabError('bad_request', `Refusing to listen on ${host} without an explicit token: set CONFAB_TOKEN, or use --host 127.0.0.1.`);
  }
  const config = loadProviderConfig({ env: options.env, configPath: options.configPath });
  // Before anything reads or writes the data directory: one server per data directory.
  const lock = lockDataDir(options.dataDir);
  let store: Store | undefined;
  let hub: SessionHub | undefined;
  let tools: ReturnType<typeof createMcpTools>;
  try {
    const { token } = await resolveToken({ env: options.env, dataDir: options.dataDir });
    const logger = options.logger ?? silentLogger;
    store = await openStore({ kind: 'sqlite', dataDir: options.dataDir });
    const models = createModelRegistry(config);
    const metrics = new ServerMetrics();
    const observer = combineObservers(metrics.observer, runLogObserver(logger));
    // MCP servers named in the config: their tools join the project tools (started on first use).
    tools = createMcpTools({ config: config.mcp, clientVersion: packageVersion(), logger });
    hub = new SessionHub({ store, models, logger, observer, limits: benchLimits(options.env).hub, approvals: options.approvals, tools });
    await hub.start();
    const server = await startServer({
      hub,
      models,
      host,
      port: options.port,
      token,
      allowOrigins: options.allowOrigins,
      limits: { ...benchLimits(options.env).server, ...options.limits },
      logger,
      staticDir: options.staticDir ?? defaultStaticDir(),
      version: packageVersion(),
      metrics,
    });
    logger.info('serving', { url: server.url, dataDir: options.dataDir, providers: config.providers.map((provider) => provider.name) });
    const [openedHub, openedStore, openedTools] = [hub, store, tools];
    // Once listening: lets a CLI using this data directory find the port (see server-file.ts).
    await writeServerFile(options.dataDir, { url: server.url, pid: process.pid }).catch((error: Error) =>
      logger.warn('could not record the server URL in the data directory', { error: error.message }),
    );
    return {
      url: server.url,
      port: server.port,
      token,
      openUrl: `${server.url}/?token=${encodeURIComponent(token)}`,
      providerNames: config.providers.map((provider) => provider.name),
      async close() {
        try {
          await removeServerFile(options.dataDir, process.pid).catch(() => {});
          await server.close();
          await openedHub.close();
          await openedTools?.close();
          await openedStore.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    await hub?.close().catch(() => {});
    await tools?.close().catch(() => {});
    await store?.close().catch(() => {});
    lock.release();
    throw error;
  }
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

function defaultStaticDir(): string | undefined {
  const dir = fileURLToPath(new URL('web/dist/', packageRoot));
  return existsSync(`${dir}index.html`) ? dir : undefined;
}
