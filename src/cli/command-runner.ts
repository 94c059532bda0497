import { ConfabClientError } from '../client/index.ts';
import { CliError, UsageError } from './cli-args.ts';
import { tokenHelp, type ConnectionSettings } from './cli-connection.ts';

/** The process streams and environment a command uses (injectable for tests). */
export type CliIo = {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
  cwd: string;
};

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Exit codes every command uses. */
export const exitCodes = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/**
 * Runs a command body and turns what it throws into a message on stderr and an exit code:
 * UsageError → 2 (with a pointer to `--help`), everything else → 1.
 * `settings` is read lazily: it is known only once the connection options were parsed.
 */
export async function runCommand(
  name: string,
  io: CliIo,
  body: (context: { setConnection: (settings: ConnectionSettings) => void }) => Promise<number>,
): Promise<number> {
  let settings: ConnectionSettings | undefined;
  exitQuietlyOnClosedPipe(io.stdout);
  try {
    return await body({ setConnection: (value) => (settings = value) });
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`confab ${name}: ${error.message}\nRun "confab ${name} --help" for usage and examples.\n`);
      return exitCodes.usage;
    }
    io.stderr.write(`confab ${name}: ${describeError(error, settings)}\n`);
    return error instanceof CliError ? error.exitCode : exitCodes.failure;
  }
}

/** A failure in words a user can act on. */
export function describeError(error: unknown, settings: ConnectionSettings | undefined): string {
  if (ConfabClientError.is(error)) {
    const url = settings?.url ?? 'the server';
    switch (error.code) {
      case 'network':
        return `Cannot reach Confab at ${url} — is \`confab serve\` running?`;
      case 'unauthorized':
        if (!settings) return error.message;
        return settings.token === undefined
          ? `Confab at ${url} needs an access token and none was found. ${tokenHelp(settings)}`
          : `Confab at ${url} refused the access token from ${settings.tokenSource}. ${tokenHelp(settings)}`;
      case 'timeout':
        return `Confab at ${url} did not answer in time.`;
      default:
        return error.message;
    }
  }
  if (error instanceof CliError) return error.message;
  return `unexpected error: ${(error as Error)?.message ?? String(error)}`;
}

/** `confab ask … | head -1`: a reader that went away is not an error worth a stack trace. */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  if (stream.listenerCount('error') > 0) return;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(exitCodes.ok);
    throw error;
  });
}
