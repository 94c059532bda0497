/**
 * Runs the real `confab` CLI as a child process (the Node running the tests, on src/cli/main.ts).
 *
 *   const result = await runCli(['ask', 'Hi'], { server });       // { code, stdout, stderr }
 *   const ask = startCli(['ask', 'Hi'], { server }); await ask.waitForStdout(/Hel/); ask.child.kill('SIGINT');
 *   const chat = startPtyCli(['chat'], { server });              // under a pseudo-terminal (`script`)
 *   await chat.waitFor(/Hello/); chat.write('\x03'); await chat.exited;
 *
 * The child's environment has no CONFAB_* variables of the parent: `server` sets CONFAB_URL and
 * CONFAB_TOKEN; `env` adds more. Its working directory is a fresh temporary directory unless `cwd`
 * is given, so no ./.confab/token of the repository is picked up by accident.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const mainScript = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

export type CliOptions = {
  server?: { url: string; token: string };
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. Without it stdin is empty (not a terminal). */
  input?: string;
  cwd?: string;
  timeoutMs?: number;
};

let scratch: string | undefined;
/** A directory with no `.confab` in it, for children to run in. */
export function scratchDir(): string {
  if (scratch === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'confab-cli-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
}

export function cliEnv(options: CliOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('CONFAB_') && name !== 'NO_COLOR') env[name] = value;
  if (options.server) Object.assign(env, { CONFAB_URL: options.server.url, CONFAB_TOKEN: options.server.token });
  return { ...env, ...options.env };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

export type RunningCli = {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches `pattern`. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
  result: Promise<CliResult>;
};

/** Starts the CLI with piped stdio; `result` resolves when it exits (it is killed after `timeoutMs`, default 60 s). */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [mainScript, ...args], { cwd: options.cwd ?? scratchDir(), env: cliEnv(options), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of [...waiters]) waiter();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.end(options.input ?? '');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const result = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`confab ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      for (const waiter of [...waiters]) waiter();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    result,
    waitForStdout(pattern, waitMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout)) done(resolve);
          else if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`exited before stdout matched ${pattern}; stdout: ${stdout}\nstderr: ${stderr}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${pattern}; stdout: ${stdout}\nstderr: ${stderr}`))), waitMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

export type PtyCli = {
  child: ChildProcess;
  /** Everything the terminal showed so far, escape sequences removed and `\r\n` made `\n`. */
  output(): string;
  /** The same, as the terminal received it. */
  raw(): string;
  /** Resolves once `pattern` appears in the output after `from` (an index into output()). */
  waitFor(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<void>;
  /** Types into the terminal (`\r` is Enter, `\x03` is Ctrl-C). */
  write(data: string): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
};

/** Whether `script` (util-linux) is available to provide a pseudo-terminal. */
export function hasScript(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs the CLI under a pseudo-terminal: `script -qfec "<command>" /dev/null`, so the CLI's stdin
 * and stdout are a terminal (readline in raw mode: Ctrl-C arrives as a key press). Our writes go to
 * script's stdin, which it forwards to the terminal; the pipe stays open until kill() or exit.
 */
export function startPtyCli(args: string[], options: CliOptions = {}): PtyCli {
  const command = [process.execPath, mainScript, ...args].map(shellQuote).join(' ');
  const env = { ...cliEnv(options), SHELL: '/bin/sh', TERM: 'xterm-256color', COLUMNS: '120', LINES: '40' };
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: options.cwd ?? scratchDir(), env, stdio: ['pipe', 'pipe', 'pipe'] });
  let raw = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: string) => {
    raw += chunk;
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => {
    for (const waiter of [...waiters]) waiter();
    resolve({ code, signal });
  }));
  const output = () => stripTerminal(raw);
  return {
    child,
    output,
    raw: () => raw,
    waitFor(pattern, { from = 0, timeoutMs = 30_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output().slice(from))) {
            cleanup();
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`the CLI exited before showing ${pattern}; it showed:\n${output()}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; the terminal shows:\n${output()}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    write(data) {
      child.stdin!.write(data);
    },
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Terminal output as text: CSI/OSC escape sequences and carriage returns removed. */
export function stripTerminal(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07]*(\x07|\x1b\\)/g, '')
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '');
}
