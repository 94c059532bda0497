import { projectNamePattern } from '../domain/schemas.ts';
import { expectPositionals, UsageError } from './cli-args.ts';
import { connectionHelp } from './cli-connection.ts';
import { exitCodes, processIo, type CliIo } from './command-runner.ts';
import { formatTime } from './format-table.ts';
import { printRecords, removeNamed } from './named-records.ts';
import { runSubcommand, type Subcommand } from './subcommands.ts';

const groupHelp = `Usage: confab workers <add|list|revoke> [options]

Machine workers run the runs of their projects on the machines where the code lives
(\`confab worker --server URL --token T --project NAME=DIR\`; see docs/workers.md).

  add NAME --project P…   Make a worker token scoped to projects P (printed once).
  list [--json]           The workers, their projects, and whether each is online.
  revoke NAME             Revoke the token: the worker is disconnected at once.

Run "confab workers <subcommand> --help" for a subcommand's options.
`;

const addHelp = `Usage: confab workers add NAME --project PROJECT [--project PROJECT…] [options]

Makes machine worker NAME and prints its token, once: the server keeps only its hash. The token
lets a \`confab worker\` take runs of these projects and nothing else. A project that does not exist
on the server yet is created as a worker project (its files live on the worker's machine only).

Options:
  --project NAME    A project the worker may serve (repeatable, at least one).
${connectionHelp}
  -h, --help        Show this help.

Example:
  confab workers add build-box --project api --project web
`;

const listHelp = `Usage: confab workers list [options]

Options:
  --json            Print the workers as a JSON array.
${connectionHelp}
  -h, --help        Show this help.
`;

const revokeHelp = `Usage: confab workers revoke NAME [options]

Revokes the worker's token. A connected worker is disconnected at once; the runs it was executing
end \`interrupted\` (their partial output kept), and queued runs wait for another worker.

Options:
${connectionHelp}
  -h, --help        Show this help.
`;

const subcommands: Record<string, Subcommand> = {
  add: {
    help: addHelp,
    options: { project: { type: 'string', multiple: true } as { type: 'string' } },
    async run({ client, values, positionals, io }) {
      const [name] = expectPositionals(positionals, ['name']);
      if (!projectNamePattern.test(name)) throw new UsageError(`worker name "${name}" must be 1 to 64 letters, digits, "_" or "-".`);
      const projects = (values.project as unknown as string[] | undefined) ?? [];
      if (projects.length === 0) throw new UsageError('give at least one --project the worker may serve.');
      const { worker, token } = await client.workers.create({ name, projects });
      io.stderr.write(`Made worker ${worker.name} for ${worker.projects.join(', ')}. Its token (shown only now):\n`);
      io.stdout.write(`${token}\n`);
      return exitCodes.ok;
    },
  },
  list: {
    help: listHelp,
    options: { json: { type: 'boolean' } },
    async run({ client, values, positionals, io }) {
      expectPositionals(positionals, []);
      printRecords(io, {
        json: values.json === true,
        records: await client.workers.list(),
        none: 'No workers yet. Make one with `confab workers add NAME --project P`.',
        headers: ['NAME', 'STATUS', 'CREATED', 'PROJECTS'],
        row: (worker) => [worker.name, worker.online ? `online (${worker.running} running)` : 'offline', formatTime(worker.createdAt), worker.projects.join(', ')],
      });
      return exitCodes.ok;
    },
  },
  revoke: {
    help: revokeHelp,
    options: {},
    async run({ client, positionals, io }) {
      const [name] = expectPositionals(positionals, ['name']);
      await removeNamed({ noun: 'worker', name, listCommand: 'confab workers list' }, () => client.workers.revoke(name));
      io.stdout.write(`Revoked worker ${name}.\n`);
      return exitCodes.ok;
    },
  },
};

/** `confab workers add|list|revoke`. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runSubcommand('workers', groupHelp, subcommands, argv, io);
}
