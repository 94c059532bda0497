import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { withAgents } from '../agents/agent-models.ts';
import { createModelRegistry } from '../providers/model-registry.ts';
import { loadProviderConfig } from '../providers/provider-config.ts';
import { createProjectTools } from '../tools/project/project-tools.ts';
import { ToolRegistry } from '../tools/tool-registry.ts';
import { logLevels, type LogLevel } from '../util/logger.ts';
import { createPinoLogger } from '../util/pino-logger.ts';
import { MachineWorker } from '../workers/machine-worker.ts';
import { describeParseError } from './cli-args.ts';

export const machineWorkerHelp = `Usage: confab worker --server URL --project NAME=DIR [--project NAME=DIR…] [options]

Runs this machine's share of a Confab server's work: connects out to the server (no port is
opened here), takes the runs of the given projects, executes them in DIR on this machine (model
requests with this machine's provider keys, project tools confined to DIR, coding agents) and
streams their events back. Reconnects on its own; stop it with Ctrl-C.

Options:
  --server URL         The Confab server (http:// or https://).
  --token TOKEN        The worker token from \`confab workers add\` (default: $CONFAB_WORKER_TOKEN;
                       prefer the variable: a command line is visible to other users).
  --project NAME=DIR   A project this worker serves and its directory here (repeatable).
  --concurrency N      Runs executed at once (default 4, at most 64).
  --config FILE        Provider config file (default: $CONFAB_CONFIG); OPENAI_API_KEY,
                       ANTHROPIC_API_KEY and OLLAMA_HOST work as for \`confab serve\`.
  --log-level LEVEL    info (default), warn, error or silent; JSON lines on stderr.
  -h, --help           Show this help.
`;

/** `confab worker --server URL …`: a machine worker, until SIGINT or SIGTERM (or the server refuses it: exit 3). */
export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        project: { type: 'string', multiple: true, default: [] },
        concurrency: { type: 'string', default: '4' },
        config: { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usage(describeParseError(error));
  }
  if (values.help) {
    process.stdout.write(machineWorkerHelp);
    return 0;
  }
  if (!values.server || !/^https?:\/\//.test(values.server)) return usage('--server must be the http(s) URL of a Confab server.');
  const token = values.token ?? process.env.CONFAB_WORKER_TOKEN?.trim();
  if (!token) return usage('a worker token is needed: --token or CONFAB_WORKER_TOKEN (make one with `confab workers add`).');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) return usage(`--concurrency must be a number from 1 to 64, got "${values.concurrency}".`);
  if (!logLevels.includes(values['log-level'] as LogLevel)) return usage(`--log-level must be one of ${logLevels.join(', ')}.`);
  if (values.project.length === 0) return usage('give at least one --project NAME=DIR.');
  const projects = new Map<string, string>();
  for (const spec of values.project) {
    const equals = spec.indexOf('=');
    const name = spec.slice(0, equals);
    if (equals <= 0 || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) return usage(`--project must be NAME=DIR with NAME 1 to 64 letters, digits, "_" or "-", got "${spec}".`);
    const directory = await realDirectory(resolve(spec.slice(equals + 1)));
    if (!directory) return usage(`--project ${name}: ${spec.slice(equals + 1)} is not a directory.`);
    projects.set(name, directory);
  }

  let models;
  try {
    // Coding agents declared in the config run here too, in this machine's project directories.
    const config = loadProviderConfig({ env: process.env, configPath: values.config });
    models = withAgents(createModelRegistry(config), config.agents);
  } catch (error) {
    process.stderr.write(`confab worker: ${(error as Error).message}\n`);
    return 1;
  }
  const tools = new ToolRegistry();
  for (const tool of createProjectTools()) tools.register(tool);
  const worker = new MachineWorker({
    serverUrl: values.server,
    token,
    projects,
    concurrency,
    models,
    tools,
    logger: createPinoLogger({ level: values['log-level'] as LogLevel }),
    onStatus: (status) => {
      if (status.kind === 'registered') process.stdout.write(`Worker ${status.worker} serving ${status.projects.join(', ')} for ${values.server}\n`);
      else if (status.kind === 'disconnected') process.stderr.write(`confab worker: disconnected (${status.reason}); reconnecting in ${Math.ceil(status.retryInMs / 100) / 10} s\n`);
      else process.stderr.write(`confab worker: refused by the server: ${status.message}\n`);
    },
  });
  worker.start();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const stopped = new Promise<'signal'>((resolveStop) => {
    for (const signal of signals) process.once(signal, () => resolveStop('signal'));
  });
  const outcome = await Promise.race([stopped, worker.ended]);
  if (outcome === 'signal') await worker.close();
  // The agents' processes end with the worker.
  models.close();
  return outcome === 'signal' || !outcome.refused ? 0 : 3;
}

function usage(message: string): number {
  process.stderr.write(`confab worker: ${message}\nRun "confab worker --help" for the options.\n`);
  return 2;
}

async function realDirectory(path: string): Promise<string | undefined> {
  try {
    const real = await realpath(path);
    return (await stat(real)).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}
