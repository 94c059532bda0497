import type { ConfabClient } from '../client/index.ts';
import { connectionOptions, helpOption, parseCommandArgs, UsageError } from './cli-args.ts';
import { connect, resolveConnection } from './cli-connection.ts';
import { exitCodes, runCommand, type CliIo } from './command-runner.ts';

/** One subcommand: its help, its options, and what it does with a connected client. */
export type Subcommand = {
  help: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  run(input: { client: ConfabClient; values: Record<string, string | boolean | undefined>; positionals: string[]; io: CliIo }): Promise<number>;
};

/**
 * `confab <group> <subcommand> ...`: `--help` on the group or any subcommand, a usage error (exit 2)
 * for a missing or unknown subcommand, and one connected client per call.
 */
export async function runSubcommand(
  group: string,
  groupHelp: string,
  subcommands: Record<string, Subcommand>,
  argv: string[],
  io: CliIo,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const stream = name === undefined ? io.stderr : io.stdout;
    stream.write(groupHelp);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  if (!Object.hasOwn(subcommands, name)) {
    return runCommand(group, io, async () => {
      throw new UsageError(`unknown subcommand "${name}"; expected one of: ${Object.keys(subcommands).join(', ')}.`);
    });
  }
  const subcommand = subcommands[name];
  return runCommand(`${group} ${name}`, io, async ({ setConnection }) => {
    const { values, positionals } = parseCommandArgs(rest, { ...connectionOptions, ...helpOption, ...subcommand.options });
    if (values.help) {
      io.stdout.write(subcommand.help);
      return exitCodes.ok;
    }
    const settings = await resolveConnection(values as { url?: string; token?: string; 'data-dir'?: string }, io.env, io.cwd);
    setConnection(settings);
    const client = connect(settings);
    try {
      return await subcommand.run({ client, values, positionals, io });
    } finally {
      await client.close();
    }
  });
}
