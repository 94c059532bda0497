/**
 * `confab <command> [options]`: a dispatcher. Each command lives in its own module under src/cli/
 * exporting `run(argv): Promise<number>` (the exit code) and is loaded only when used, so adding a
 * command is one line in `commands` and one new file.
 */
import { enableCompileCache } from 'node:module';

// Node's on-disk compile cache (in the OS temp directory, keyed by file content) keeps the
// type-stripped and compiled modules between runs: `confab serve` starts in about half the time
// once it is warm (`npm run bench -- --only startup`). Only modules loaded after this call are
// cached, which is why every command is imported lazily below. NODE_DISABLE_COMPILE_CACHE=1 turns
// it off; a cache directory that cannot be written just leaves it off.
enableCompileCache();

type CommandModule = { run(argv: string[]): Promise<number> };

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  serve: { summary: 'Start the Confab server (HTTP, SSE and WebSocket).', load: () => import('./serve-command.ts') },
  worker: { summary: "Execute runs: for a cluster (shared Postgres and Redis), or a server's machine worker (--server).", load: () => import('./worker-command.ts') },
  migrate: { summary: "Apply Confab's schema to a cluster's Postgres database.", load: () => import('./migrate-command.ts') },
  ask: { summary: 'Ask one question in a new conversation; prints the answer as it streams.', load: () => import('./ask-command.ts') },
  chat: { summary: 'Chat interactively: streamed replies, tool calls, Ctrl-C stops a run.', load: () => import('./chat-command.ts') },
  conversations: { summary: 'List, show, search, export, import or delete conversations.', load: () => import('./conversations-command.ts') },
  projects: { summary: 'Add, list or remove projects.', load: () => import('./projects-command.ts') },
  acp: { summary: 'Serve the Agent Client Protocol on stdio: ACP editors (Zed, JetBrains) use Confab as their agent.', load: () => import('./acp-command.ts') },
  workers: { summary: 'Add, list or revoke machine worker tokens.', load: () => import('./workers-command.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `Usage: confab <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "confab <command> --help" for a command's options; "confab --version" (-v) prints the version.\n`;
}

const [name, ...argv] = process.argv.slice(2);
if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
  process.stdout.write(usage());
} else if (name === '--version' || name === '-v') {
  const { packageVersion } = await import('../util/package-version.ts');
  process.stdout.write(`confab ${packageVersion()}\n`);
} else if (!Object.hasOwn(commands, name)) {
  process.stderr.write(`confab: unknown command "${name}".\n\n${usage()}`);
  process.exitCode = 2;
} else {
  process.exitCode = await (await commands[name].load()).run(argv);
}
