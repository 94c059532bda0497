import { parseArgs } from 'node:util';
import { ConfabError } from '../domain/errors.ts';
import { defaultConcurrency, maxConcurrency, serveStorage } from '../cluster/cluster-settings.ts';
import { serve, type RunningServe, type ServeOptions } from '../server/serve.ts';
import { logLevels, type LogLevel } from '../util/logger.ts';
import { createPinoLogger } from '../util/pino-logger.ts';
import { describeParseError, integerOption } from './cli-args.ts';
import { closeAndExit, stopSignal } from './stop-signal.ts';
import { parseDuration } from './duration.ts';
import { runThreadsSetting } from '../run-threads/open-run-threads.ts';

const help = `Usage: confab serve [options]

Starts the Confab server and prints the URL to open (it carries the access token).

Options:
  --host HOST            Address to listen on (default 127.0.0.1). Any other than a loopback
                         address needs CONFAB_TOKEN set.
  --port PORT            Port (default 4317; 0 picks a free one, printed in the URL).
  --data-dir DIR         Database, token file, and server.json with the URL while running, for
                         the CLI (default ./.confab).
  --config FILE          Provider config file (default: $CONFAB_CONFIG).
  --allow-origin ORIGIN  A browser origin allowed besides the server's own (repeatable).
  --log-level LEVEL      info, warn (default), error or silent: logs go to stderr as JSON lines
                         (default: $CONFAB_LOG_LEVEL, else warn).
  --require-approval TOOL
                         Calls of this tool wait for a person to allow them (repeatable).
  --approval-expiry TIME An approval nobody answers expires after TIME (e.g. 30m, 24h;
                         default 24h); the call then does not run.
  --worker-wait TIME     A run of a project served by machine workers waits this long for one
                         (default 10m), then fails with worker_unavailable.
  --worker-grace TIME    A machine worker that lost its connection mid-run has this long to
                         come back and resume (default 20s); then its run ends interrupted,
                         and another online worker of the project continues it once.
  --worker-time-limit TIME
                         A run on a machine worker is stopped after TIME (default 1h).
  --worker-heartbeat TIME
                         Ping interval for machine workers (default 10s); a worker that misses
                         one ping is disconnected.
  --workers N|auto       Execute runs on N worker threads of this process, the main thread
                         keeping HTTP, WebSocket and the store; auto: cores - 1, at least 1
                         (default: 0, runs on the main thread; $CONFAB_RUN_WORKERS). Not in a
                         cluster.
  --database-url URL     Keep records and the event journal in this Postgres database instead
                         of the SQLite file in --data-dir: one server per database. With
                         --redis-url too, run as one node of a cluster (Postgres: store and
                         run queue). Default: $CONFAB_DATABASE_URL.
  --redis-url URL        The cluster's Redis (conversation logs, stop signals); needs
                         --database-url. Default: $CONFAB_REDIS_URL.
  --no-worker            In a cluster: serve clients only; runs execute on "confab worker"
                         processes (default: this process executes runs too).
  --concurrency N        In a cluster, with a worker: runs this process executes at once
                         (default 8).
  -h, --help             Show this help.

Environment:
  CONFAB_TOKEN           Access token (else generated once into <data-dir>/token).
  OPENAI_API_KEY, ANTHROPIC_API_KEY, OLLAMA_HOST, CONFAB_CONFIG
                         Providers (see docs/architecture.md).
  CONFAB_LOG_LEVEL       The log level when --log-level is not given.
  CONFAB_JOURNAL         on (default) or off; CONFAB_JOURNAL_RETAIN_RUNS, _EVENTS, _BYTES,
                         _CHECKPOINT_BYTES; CONFAB_SQLITE_WRITER worker (default) or inline
                         (see docs/configuration.md).
  CONFAB_RUN_WORKERS     Run threads when --workers is not given.
  CONFAB_DATABASE_URL, CONFAB_REDIS_URL, CONFAB_REDIS_KEY_PREFIX
                         Postgres and cluster settings (see docs/scale-out.md). Give every node
                         the same CONFAB_TOKEN so that a client can use any of them.
`;

/** `confab serve`: runs until SIGINT, SIGTERM or SIGHUP, then shuts down cleanly and exits 0. */
export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '4317' },
        'data-dir': { type: 'string', default: './.confab' },
        config: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true, default: [] },
        'log-level': { type: 'string' },
        'require-approval': { type: 'string', multiple: true, default: [] },
        'approval-expiry': { type: 'string', default: '24h' },
        'worker-wait': { type: 'string', default: '10m' },
        'worker-grace': { type: 'string', default: '20s' },
        'worker-time-limit': { type: 'string', default: '1h' },
        'worker-heartbeat': { type: 'string', default: '10s' },
        'database-url': { type: 'string' },
        'redis-url': { type: 'string' },
        'no-worker': { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`confab serve: ${describeParseError(error)}\nRun "confab serve --help" for the options.\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    process.stderr.write(`confab serve: --port must be a number from 0 to 65535, got "${values.port}".\n`);
    return 2;
  }

  const levelSource = values['log-level'] !== undefined ? '--log-level' : 'CONFAB_LOG_LEVEL';
  const level = values['log-level'] ?? (process.env.CONFAB_LOG_LEVEL || 'warn');
  if (!isLogLevel(level)) {
    process.stderr.write(`confab serve: ${levelSource} must be one of ${logLevels.join(', ')}, got "${level}".\n`);
    return 2;
  }
  const expiryMs = parseDuration(values['approval-expiry']);
  if (expiryMs === undefined) {
    process.stderr.write(`confab serve: --approval-expiry must be a duration such as 90s, 30m or 24h, got "${values['approval-expiry']}".\n`);
    return 2;
  }

  const workerTimings: Record<string, number> = {};
  for (const [flag, key] of [['worker-wait', 'waitTimeoutMs'], ['worker-grace', 'reconnectGraceMs'], ['worker-time-limit', 'runTimeLimitMs'], ['worker-heartbeat', 'heartbeatMs']] as const) {
    const ms = parseDuration(values[flag]);
    if (ms === undefined) {
      process.stderr.write(`confab serve: --${flag} must be a duration such as 90s, 30m or 24h, got "${values[flag]}".\n`);
      return 2;
    }
    workerTimings[key] = ms;
  }

  let cluster: ServeOptions['cluster'];
  let databaseUrl: string | undefined;
  let runWorkers: number | undefined;
  try {
    runWorkers = runThreadsSetting(values.workers, process.env);
    const storage = serveStorage(values, process.env);
    const settings = storage.kind === 'cluster' ? storage.cluster : undefined;
    if (storage.kind === 'postgres') databaseUrl = storage.databaseUrl;
    if (!settings && (values['no-worker'] || values.concurrency !== undefined)) {
      throw new ConfabError('bad_request', '--no-worker and --concurrency apply to a cluster node: give --database-url and --redis-url (or CONFAB_DATABASE_URL and CONFAB_REDIS_URL).');
    }
    if (settings && values['no-worker'] && values.concurrency !== undefined) throw new ConfabError('bad_request', '--concurrency has no effect with --no-worker.');
    if (settings && values.workers !== undefined) throw new ConfabError('bad_request', '--workers applies to an embedded server; a cluster node executes runs with --concurrency.');
    cluster = settings && { ...settings, worker: values['no-worker'] ? false : { concurrency: integerOption('concurrency', values.concurrency, 1, maxConcurrency) ?? defaultConcurrency } };
  } catch (error) {
    process.stderr.write(`confab serve: ${(error as Error).message}\n`);
    return 2;
  }

  let running: RunningServe;
  try {
    running = await serve({
      host: values.host,
      port,
      dataDir: values['data-dir'],
      configPath: values.config,
      allowOrigins: values['allow-origin'],
      approvals: { tools: values['require-approval'], expiryMs },
      workers: workerTimings,
      env: process.env,
      logger: createPinoLogger({ level }),
      cluster,
      databaseUrl,
      runWorkers,
    });
  } catch (error) {
    process.stderr.write(`confab serve: ${describeStartupError(error, values.host, port)}\n`);
    return 1;
  }

  // Handlers go in before the URL is printed: whoever reads it may signal at once.
  const stopRequested = stopSignal();
  process.stdout.write(`Confab is running at ${running.openUrl}\n`);
  if (running.providerNames.length === 0) {
    process.stdout.write('No AI provider is configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY or OLLAMA_HOST, or pass --config FILE.\n');
  }
  await stopRequested;
  return closeAndExit('confab serve', () => running.close());
}

function describeStartupError(error: unknown, host: string, port: number): string {
  if (ConfabError.is(error)) return error.message;
  const { code, syscall, message } = error as { code?: string; syscall?: string; message?: string };
  if (syscall === 'listen' || syscall === 'getaddrinfo') {
    if (code === 'EADDRINUSE') return `port ${port} on ${host} is already in use; choose another with --port.`;
    if (code === 'EACCES') return `not allowed to listen on ${host}:${port}; choose a port above 1023 with --port.`;
    return `cannot listen on ${host}:${port} (${code ?? message}).`;
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR') return `cannot use the data directory: ${message}`;
  return message ?? String(error);
}

function isLogLevel(value: string): value is LogLevel {
  return (logLevels as readonly string[]).includes(value);
}
