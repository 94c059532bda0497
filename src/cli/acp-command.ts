import { Readable, Writable } from 'node:stream';
import { ndJsonStream } from '@agentclientprotocol/sdk';
import { createAcpAgent } from '../interop/acp/acp-agent.ts';
import { packageVersion } from '../util/package-version.ts';
import { connectionOptions, helpOption, parseCommandArgs, UsageError } from './cli-args.ts';
import { connect, connectionHelp, resolveConnection } from './cli-connection.ts';
import { exitCodes, processIo, runCommand, type CliIo } from './command-runner.ts';

const help = `Usage: confab acp [options]

Serves the Agent Client Protocol (ACP) on standard input and output, so an ACP editor (Zed,
JetBrains IDEs, Neovim, Emacs) uses Confab as its agent: each editor session is a Confab
conversation in the project at the session's directory (registered when new), on the running
Confab server. Runs belong to the server: closing the editor stops nothing, and the web UI and the
CLI see the same conversations. Diagnostics go to standard error; standard output is the protocol's.

Options:
  --model ID        Model for new sessions (default: the server's default model).
${connectionHelp}
  -h, --help        Show this help.

Exit codes: 0 the editor closed the connection; 1 the server could not be reached or refused the
token (checked at start); 2 usage error.

Examples:
  confab acp --data-dir /srv/confab/.confab
  confab acp --url http://127.0.0.1:4317 --model anthropic/claude-sonnet-4-5   # token in $CONFAB_TOKEN

An editor runs it; Zed's settings.json, for example (docs/interop.md has JetBrains and others):
  "agent_servers": { "Confab": { "command": "npx", "args": ["confab", "acp", "--data-dir", "/srv/confab/.confab"] } }
`;

const options = { ...connectionOptions, ...helpOption, model: { type: 'string' } } as const;

/** `confab acp`: an ACP agent over stdio, backed by a running Confab server. */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand('acp', io, async ({ setConnection }) => {
    const { values, positionals } = parseCommandArgs(argv, options);
    if (values.help) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}".`);
    const settings = await resolveConnection(values, io.env, io.cwd);
    setConnection(settings);
    const client = connect(settings);
    try {
      // Fail at start, with a message, rather than on the editor's first request.
      await client.projects.list();
      const app = createAcpAgent({ client, model: values.model, version: packageVersion() });
      const stream = ndJsonStream(Writable.toWeb(io.stdout) as WritableStream<Uint8Array>, Readable.toWeb(io.stdin) as ReadableStream<Uint8Array>);
      const connection = app.connect(stream);
      await connection.closed;
      app.closeSessions();
      return exitCodes.ok;
    } finally {
      await client.close();
    }
  });
}
