import { parseArgs } from 'node:util';
import { migrateCluster } from '../cluster/migrate.ts';
import { redact } from '../cluster/cluster-settings.ts';
import { describeParseError } from './cli-args.ts';

const help = `Usage: confab migrate --database-url URL

Applies Confab's schema to a cluster's Postgres database: Confab's tables (versioned migrations)
and the run queue (pg-boss). Safe to run again, and from several places at once. "confab serve"
and "confab worker" apply it too as they start.

Options:
  --database-url URL     The cluster's Postgres (default: $CONFAB_DATABASE_URL).
  -h, --help             Show this help.
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } }, strict: true, allowPositionals: false }));
  } catch (error) {
    process.stderr.write(`confab migrate: ${describeParseError(error)}\nRun "confab migrate --help" for the options.\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const url = values['database-url'] ?? (process.env.CONFAB_DATABASE_URL || undefined);
  if (url === undefined || !/^postgres(ql)?:\/\//.test(url)) {
    process.stderr.write(`confab migrate: give the database as --database-url postgres://… (or CONFAB_DATABASE_URL)${url === undefined ? '' : `, got "${redact(url)}"`}.\n`);
    return 2;
  }
  try {
    const { version } = await migrateCluster(url);
    process.stdout.write(`The database at ${redact(url)} is at schema version ${version}, with the run queue.\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`confab migrate: ${(error as Error).message}\n`);
    return 1;
  }
}
