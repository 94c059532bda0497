import { ConfabClientError } from '../client/index.ts';
import { CliError } from './cli-args.ts';
import type { CliIo } from './command-runner.ts';
import { formatTable } from './format-table.ts';

/** Prints a `list` subcommand's records: JSON with `--json`, a hint on stderr when there are none, else a table. */
export function printRecords<T>(io: CliIo, options: { json: boolean; records: T[]; none: string; headers: string[]; row: (record: T) => string[] }): void {
  if (options.json) io.stdout.write(`${JSON.stringify(options.records, null, 2)}\n`);
  else if (options.records.length === 0) io.stderr.write(`${options.none}\n`);
  else io.stdout.write(`${formatTable(options.headers, options.records.map(options.row))}\n`);
}

/** Removes a record by name; an unknown name becomes an error that says how to list the names. */
export async function removeNamed(what: { noun: string; name: string; listCommand: string }, remove: () => Promise<unknown>): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (ConfabClientError.is(error, 'not_found')) throw new CliError(`no ${what.noun} named "${what.name}". List them with \`${what.listCommand}\`.`);
    throw error;
  }
}
