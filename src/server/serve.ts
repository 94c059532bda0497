import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { openClusterNode, type ClusterNode } from '../cluster/cluster-node.ts';
import type { ClusterSettings } from '../cluster/cluster-settings.ts';
import { ConfabError } from '../domain/errors.ts';
import { combineObservers } from '../engine/engine-observer.ts';
import type { ApprovalOptions } from '../engine/approvals/approval-gate.ts';
import { SessionHub } from '../engine/session-hub.ts';
import { createModelRegistry } from '../providers/model-registry.ts';
import { withAgents } from '../agents/agent-models.ts';
import { loadProviderConfig } from '../providers/provider-config.ts';
import { openStore } from '../store/open-store.ts';
import { lockDatabase, type ServerLock } from '../store/postgres/postgres-server-lock.ts';
import { createMcpTools } from '../tools/mcp/mcp-tools.ts';
import type { Store } from '../store/store.ts';
import { silentLogger, type Logger } from '../util/logger.ts';
import { packageVersion } from '../util/package-version.ts';
import { resolveToken } from './auth/token-file.ts';
import { benchLimits } from './bench-hooks.ts';
import { journalSettings, sqliteWriterSetting } from './journal-settings.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { openServeEventLog, type ServeEventLog } from './serve-event-log.ts';
import { runLogObserver } from './logging/run-log-observer.ts';
import { ServerMetrics } from './metrics/server-metrics.ts';
import type { ServerLimits } from './server-limits.ts';
import { startServer } from './server.ts';
import { openMachineWorkers, type MachineWorkers, type MachineWorkerTimings } from '../workers/machine-workers.ts';
import { FileWorkerTokens } from '../workers/worker-tokens.ts';
import { systemClock } from '../util/clock.ts';
import { removeServerFile, writeServerFile } from './server-file.ts';
import { openRunThreads, runThreadsSetting } from '../run-threads/open-run-threads.ts';
import type { RunThreads } from '../run-threads/run-threads.ts';
import { defaultLimits } from '../engine/hub-options.ts';

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
  /** Machine worker timings (`--worker-wait`, `--worker-grace`, `--worker-time-limit`, `--worker-heartbeat`). */
  workers?: MachineWorkerTimings;
  /**
   * Run as one node of a cluster on shared Postgres and Redis (docs/scale-out.md) instead of the
   * embedded SQLite store; `worker` says whether this process also executes runs.
   */
  cluster?: ClusterSettings & { worker: { concurrency: number } | false };
  /**
   * Keep records and the event journal in this Postgres database instead of `confab.db` in the
   * data directory: one server on the database (an advisory lock refuses a second one, and a
   * cluster), with recovery and the journal as on SQLite. Ignored with `cluster`.
   */
  databaseUrl?: string;
  /**
   * Run threads (`--workers N`): runs of provider models execute on N worker threads, the main
   * thread keeping HTTP, WebSocket, fan-out and the store; 0 executes them on the main thread.
   * Default: `CONFAB_RUN_WORKERS` from `env` (a number or `auto`: cores − 1), else 0. Ignored with `cluster`.
   */
  runWorkers?: number;
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
/** How long serve waits for its run threads to load before it listens anyway (runs then start on the main thread). */
const threadLoadWaitMs = 10_000;

/**
 * Everything `confab serve` runs, in one process: provider config, the data directory's lock (one
 * server per data directory), token, the SQLite store in the data directory (or the Postgres
 * database of `databaseUrl`, locked to this server), the hub (recovering runs a previous process left running) and the HTTP server.
 * Throws a ConfabError (bad config, refused host) or the listen error (EADDRINUSE) on failure,
 * having closed whatever it had opened.
 */
export async function serve(options: ServeOptions): Promise<RunningServe> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.env.CONFAB_TOKEN?.trim()) {
    throw new ConfabError('bad_request', `Refusing to listen on ${host} without an explicit token: set CONFAB_TOKEN, or use --host 127.0.0.1.`);
  }
  const config = loadProviderConfig({ env: options.env, configPath: options.configPath });
  const journaling = journalSettings(options.env);
  const sqliteWriter = sqliteWriterSetting(options.env);
  // Before anything reads or writes the data directory: one server per data directory.
  const lock = lockDataDir(options.dataDir);
  let store: Store | undefined;
  let journal: ServeEventLog | undefined;
  let hub: SessionHub | undefined;
  let node: ClusterNode | undefined;
  let databaseLock: ServerLock | undefined;
  let closeAgents = () => {};
  let tools: ReturnType<typeof createMcpTools> | undefined;
  let threads: RunThreads | undefined;
  try {
    const { token } = await resolveToken({ env: options.env, dataDir: options.dataDir });
    const logger = options.logger ?? silentLogger;
    const models = withAgents(createModelRegistry(config), config.agents);
    closeAgents = () => models.close();
    const metrics = new ServerMetrics();
    const observer = combineObservers(metrics.observer, runLogObserver(logger));
    let workers: MachineWorkers | undefined;
    // MCP servers named in the config: their tools join the project tools (started on first use).
    // A cluster node does not offer them yet (docs/interop.md).
    if (options.cluster) {
      // Machine workers serve the embedded server only for now (docs/workers.md).
      node = await openClusterNode({ ...options.cluster, models, logger, observer, limits: benchLimits(options.env).hub, approvals: options.approvals });
      hub = node.hub;
    } else {
      const { databaseUrl } = options;
      // Before recovery touches a run: one server per database, as per data directory.
      if (databaseUrl) databaseLock = await lockDatabase(databaseUrl, 'exclusive', logger);
      const embeddedStore = await openStore(
        databaseUrl
          ? { kind: 'postgres', databaseUrl, logger }
          : { kind: 'sqlite', dataDir: options.dataDir, writer: sqliteWriter, onWriterError: (error) => logger.error('SQLite writer thread', { error }) },
      );
      store = embeddedStore;
      journal = await openServeEventLog(embeddedStore, journaling, logger);
      workers = await openMachineWorkers({
        tokens: await FileWorkerTokens.open(options.dataDir),
        store: embeddedStore,
        clock: systemClock,
        logger,
        timings: options.workers,
        approvals: options.approvals,
      });
      tools = createMcpTools({ config: config.mcp, clientVersion: packageVersion(), logger });
      const runWorkers = options.runWorkers ?? runThreadsSetting(undefined, options.env);
      const maxConcurrentRuns = benchLimits(options.env).hub.maxConcurrentRuns ?? defaultLimits.maxConcurrentRuns;
      const placement = runWorkers > 0 ? openRunThreads({ count: runWorkers, config, store: embeddedStore, logger, maxConcurrentRuns, clientVersion: packageVersion(), approvals: options.approvals, machine: workers.remote }) : undefined;
      threads = placement?.threads;
      hub = new SessionHub({ store: embeddedStore, models, logger, eventLog: journal.eventLog, observer, limits: benchLimits(options.env).hub, approvals: options.approvals, remote: placement?.threads ?? workers.remote, runQueue: placement?.runQueue, tools, titleModel: config.titleModel });
      await hub.start();
      // Loaded on the other cores while the main thread opened the store; runs before that would execute here.
      if (threads) await threads.whenReady(threadLoadWaitMs);
    }
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
      workers,
    });
    logger.info('serving', { url: server.url, dataDir: options.dataDir, store: options.cluster || options.databaseUrl ? 'postgres' : 'sqlite', cluster: options.cluster ? { worker: options.cluster.worker } : false, providers: config.providers.map((provider) => provider.name) });
    const [openedHub, openedStore, openedJournal, openedNode, openedTools, openedLock, openedThreads] = [hub, store, journal, node, tools, databaseLock, threads];
    // Once listening: lets a CLI using this data directory find the port (see server-file.ts).
    await writeServerFile(options.dataDir, { url: server.url, pid: process.pid }).catch((error: Error) =>
      logger.warn('could not record the server URL in the data directory', { error: error.message }),
    );
    return {
      url: server.url,
      port: server.port,
      token,
      openUrl: `${server.url}/?token=${encodeURIComponent(token)}`,
      providerNames: [...config.providers, ...config.agents].map((provider) => provider.name),
      async close() {
        try {
          await removeServerFile(options.dataDir, process.pid).catch(() => {});
          await server.close();
          if (openedNode) await openedNode.close();
          else await openedHub.close();
          await openedThreads?.close();
          await openedTools?.close();
          closeAgents();
          await openedJournal?.close();
          await openedStore?.close();
          await openedLock?.release();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    if (node) await node.close().catch(() => {});
    else await hub?.close().catch(() => {});
    await threads?.close().catch(() => {});
    await tools?.close().catch(() => {});
    closeAgents();
    await journal?.close().catch(() => {});
    await store?.close().catch(() => {});
    await databaseLock?.release();
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
