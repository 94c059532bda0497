/**
 * Starts a server under test as its own process group (so a launcher and its children stop
 * together), waits for the line that says where it listens, and stops it by that group's id.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export type SpawnedServer = {
  pid: number;
  /** The first match of `ready` in stdout (or stderr). */
  match: RegExpExecArray;
  /** Milliseconds from spawn to the `ready` line. */
  readyMs: number;
  /** The last lines of output, for error messages. */
  tail(): string;
  stop(graceMs?: number): Promise<void>;
};

export type SpawnOptions = {
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  ready: RegExp;
  timeoutMs: number;
};

export function spawnServer(options: SpawnOptions): Promise<SpawnedServer> {
  const spawnedAt = performance.now();
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const remember = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line.replace(/\x1b\[[0-9;]*m/g, ''));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  const tail = () => lines.join('\n');
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => fail(new Error(`${options.command} ${options.args.join(' ')} did not become ready in ${options.timeoutMs} ms:\n${tail()}`)), options.timeoutMs);
    const fail = (error: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void stopChild(child, 1_000).then(() => reject(error));
    };
    const look = (chunk: Buffer) => {
      remember(chunk);
      if (done) return;
      const match = options.ready.exec(tail());
      if (!match) return;
      done = true;
      clearTimeout(timer);
      resolve({ pid: child.pid!, match, readyMs: performance.now() - spawnedAt, tail, stop: (graceMs = 5_000) => stopChild(child, graceMs) });
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`exited (${code ?? signal}) before it was ready:\n${tail()}`)));
  });
}

/** SIGTERM to the process group, SIGKILL after `graceMs`. */
function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        child.kill(signal);
      }
    };
    const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      // Whatever the launcher left behind in its group goes too.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
      resolve();
    });
    signalGroup('SIGTERM');
  });
}
