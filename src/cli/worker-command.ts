import { parseArgs } from 'node:util';
import { openClusterNode, type ClusterNode } from '../cluster/cluster-node.ts';
import { clusterSettings, defaultConcurrency, maxConcurrency, redact } from '../cluster/cluster-settings.ts';
import { createModelRegistry } from '../providers/model-registry.ts';
import { loadProviderConfig } from '../providers/provider-config.ts';
import { logLevels, type LogLevel } from '../util/logger.ts';
import { createPinoLogger } from '../util/pino-logger.ts';
import { describeParseError, integerOption } from './cli-args.ts';
import { parseDuration } from './duration.ts';
import { closeAndExit, stopSignal } from './stop-signal.ts';

const help = `Usage: confab worker --database-url URL --redis-url URL [options]
       confab worker --server URL --token TOKEN --project NAME=DIR ...   (a machine worker;
                     "confab worker --server URL --help" lists its options, docs/workers.md)

Executes runs for a Confab cluster: takes them from the shared queue (pg-boss on Postgres),
streams their events into the shared log (Redis), and serves no HTTP. Start as many as you
like, on any machine that can reach the database, Redis and the model providers.

Options:
  --database-url URL     The cluster's Postgres (default: $CONFAB_DATABASE_URL).
  --redis-url URL        The cluster's Redis (default: $CONFAB_REDIS_URL).
  --concurrency N        Runs executed at once (default ${defaultConcurrency}).
  --shutdown-grace TIME  On SIGTERM, how long running runs may take to finish before they are
                         handed back (e.g. 30s; default 10s).
  --config FILE          Provider config file (default: $CONFAB_CONFIG).
  --log-level LEVEL      info, warn (default), error or silent (default: $CONFAB_LOG_LEVEL).
  --require-approval TOOL
                         Calls of this tool wait for a person to allow them (repeatable); give
                         every node the same list.
  --approval-expiry TIME An approval nobody answers expires after TIME (default 24h).
  -h, --help             Show this help.

SIGTERM, SIGINT or SIGHUP: stops taking runs, lets the running ones finish within the grace,
hands back the rest (interrupted, their partial messages kept, a "continue" run queued for
another worker), and exits 0.
`;

/**
 * `confab worker`: one command name, two kinds of worker, told apart by their flags. With
 * `--server` it is a machine worker (machine-worker-command.ts: connects out to a server over its
 * WebSocket with a worker token); otherwise a cluster worker on the shared Postgres and Redis, which
 * runs until a signal, then shuts down gracefully and exits 0.
 */
export async function run(argv: string[]): Promise<number> {
  if (argv.some((arg) => arg === '--server' || arg.startsWith('--server='))) return (await import('./machine-worker-command.ts')).run(argv);
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'database-url': { type: 'string' },
        'redis-url': { type: 'string' },
        concurrency: { type: 'string' },
        'shutdown-grace': { type: 'string', default: '10s' },
        config: { type: 'string' },
        'log-level': { type: 'string' },
        'require-approval': { type: 'string', multiple: true, default: [] },
        'approval-expiry': { type: 'string', default: '24h' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usageError(`${describeParseError(error)}\nRun "confab worker --help" for the options.`);
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  let settings;
  let concurrency: number;
  try {
    settings = clusterSettings(values, process.env);
    concurrency = integerOption('concurrency', values.concurrency, 1, maxConcurrency) ?? defaultConcurrency;
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (!settings) return usageError('a worker needs the cluster: give --database-url and --redis-url (or CONFAB_DATABASE_URL and CONFAB_REDIS_URL).');
  const level = values['log-level'] ?? (process.env.CONFAB_LOG_LEVEL || 'warn');
  if (!(logLevels as readonly string[]).includes(level)) return usageError(`--log-level must be one of ${logLevels.join(', ')}, got "${level}".`);
  const graceMs = parseDuration(values['shutdown-grace']);
  if (graceMs === undefined) return usageError(`--shutdown-grace must be a duration such as 30s or 5m, got "${values['shutdown-grace']}".`);
  const expiryMs = parseDuration(values['approval-expiry']);
  if (expiryMs === undefined) return usageError(`--approval-expiry must be a duration such as 30m or 24h, got "${values['approval-expiry']}".`);

  const logger = createPinoLogger({ level: level as LogLevel });
  let node: ClusterNode;
  try {
    const config = loadProviderConfig({ env: process.env, configPath: values.config });
    node = await openClusterNode({
      ...settings,
      models: createModelRegistry(config),
      logger,
      worker: { concurrency },
      approvals: { tools: values['require-approval'], expiryMs },
      cluster: { shutdownGraceMs: graceMs },
    });
  } catch (error) {
    process.stderr.write(`confab worker: ${(error as Error).message}\n`);
    return 1;
  }
  const stopRequested = stopSignal();
  logger.info('worker running', { database: redact(settings.databaseUrl), redis: redact(settings.redisUrl), concurrency });
  process.stdout.write(`Confab worker running (concurrency ${concurrency})\n`);
  await stopRequested;
  return closeAndExit('confab worker', () => node.close());
}

function usageError(message: string): number {
  process.stderr.write(`confab worker: ${message}\n`);
  return 2;
}
