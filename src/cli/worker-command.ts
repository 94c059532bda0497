/**
 * `confab worker`: one command name, two kinds of worker, told apart by their flags. With
 * `--server` it is a machine worker (machine-worker-command.ts: connects out to a server over its
 * WebSocket with a worker token). The cluster worker (on the shared Postgres/Redis) lives in its
 * own module.
 */
export async function run(argv: string[]): Promise<number> {
  if (argv.some((arg) => arg === '--server' || arg.startsWith('--server='))) return (await import('./machine-worker-command.ts')).run(argv);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write((await import('./machine-worker-command.ts')).machineWorkerHelp);
    return 0;
  }
  process.stderr.write('confab worker: give --server URL (a machine worker). Run "confab worker --help" for the options.\n');
  return 2;
}
