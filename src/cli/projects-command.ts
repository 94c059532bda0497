import { resolve } from 'node:path';
import { projectNamePattern } from '../domain/schemas.ts';
import { expectPositionals, UsageError } from './cli-args.ts';
import { connectionHelp } from './cli-connection.ts';
import { exitCodes, processIo, type CliIo } from './command-runner.ts';
import { formatTime } from './format-table.ts';
import { printRecords, removeNamed } from './named-records.ts';
import { runSubcommand, type Subcommand } from './subcommands.ts';

const groupHelp = `Usage: confab projects <add|list|remove> [options]

  add NAME PATH       Register a directory as a project.
  list [--json]       The projects.
  remove NAME         Remove a project and all its conversations.

Run "confab projects <subcommand> --help" for a subcommand's options.

Examples:
  confab projects add confab .
  confab projects list
  confab projects remove confab
`;

const addHelp = `Usage: confab projects add NAME PATH [options]

Registers the directory PATH (relative to the current directory) as project NAME: 1 to 64
letters, digits, "_" or "-". The server must be able to read the directory (it runs on this
machine in the usual setup).

Options:
${connectionHelp}
  -h, --help        Show this help.

Examples:
  confab projects add confab .
  confab projects add notes ~/notes
`;

const listHelp = `Usage: confab projects list [options]

Options:
  --json            Print the projects as a JSON array.
${connectionHelp}
  -h, --help        Show this help.

Example:
  confab projects list
`;

const removeHelp = `Usage: confab projects remove NAME [options]

Removes the project and deletes all its conversations for good (runs in progress are stopped).
The directory itself is not touched.

Options:
${connectionHelp}
  -h, --help        Show this help.

Example:
  confab projects remove notes
`;

const subcommands: Record<string, Subcommand> = {
  add: {
    help: addHelp,
    options: {},
    async run({ client, positionals, io }) {
      const [name, path] = expectPositionals(positionals, ['name', 'path']);
      if (!projectNamePattern.test(name)) throw new UsageError(`project name "${name}" must be 1 to 64 letters, digits, "_" or "-".`);
      // The server resolves relative paths against its own directory: send what the user meant.
      const project = await client.projects.create({ name, path: resolve(io.cwd, path) });
      io.stdout.write(`Added project ${project.name} (${project.path}).\n`);
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
        records: await client.projects.list(),
        none: 'No projects yet. Add one with `confab projects add NAME PATH`.',
        headers: ['NAME', 'CREATED', 'PATH'],
        row: (project) => [project.name, formatTime(project.createdAt), project.path],
      });
      return exitCodes.ok;
    },
  },
  remove: {
    help: removeHelp,
    options: {},
    async run({ client, positionals, io }) {
      const [name] = expectPositionals(positionals, ['name']);
      await removeNamed({ noun: 'project', name, listCommand: 'confab projects list' }, () => client.projects.delete(name));
      io.stdout.write(`Removed project ${name}.\n`);
      return exitCodes.ok;
    },
  },
};

/** `confab projects add|list|remove`. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runSubcommand('projects', groupHelp, subcommands, argv, io);
}
