import { spawn, type ChildProcess } from 'node:child_process';
import { UpstreamError } from '../providers/upstream-error.ts';

/** How much of an agent's stderr is kept, to summarize why it died. */
const stderrTailBytes = 8 * 1024;

/**
 * A coding-agent program started for Confab: in the project directory, in its own process group
 * (an agent starts children — shells, language servers, its native binary — and a stop or a crash
 * must take all of them), with its stderr's tail kept to say why it died.
 */
export class AgentProcess {
  readonly child: ChildProcess;
  readonly label: string;
  /** Resolves when the process has exited (or could not start). */
  readonly exited: Promise<void>;
  #stderr = '';
  #exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;

  constructor(options: { label: string; command: string; args: string[]; env: Record<string, string>; cwd: string }) {
    this.label = options.label;
    this.child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-stderrTailBytes);
    });
    // A write to a dead agent's stdin is reported through the exit, not as an uncaught error.
    this.child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.#exit ??= { code: null, signal: null, error };
        resolve();
      });
      this.child.once('exit', (code, signal) => {
        this.#exit ??= { code, signal };
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.#exit === undefined;
  }

  /** Kills the whole process group at once. */
  kill(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /** Why the process is gone, as an upstream error a client may read (no stack traces). */
  failure(): UpstreamError {
    const exit = this.#exit;
    if (exit?.error && (exit.error as NodeJS.ErrnoException).code === 'ENOENT') {
      return new UpstreamError({ code: 'not_found', message: `The agent program for ${this.label} was not found: set "command" for this provider in the config file.`, retryable: false });
    }
    const how = exit === undefined ? 'closed its connection' : exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const said = summarizeStderr(this.#stderr);
    return new UpstreamError({ code: 'server', message: `The ${this.label} agent process ${how}.${said ? ` It said: ${said}` : ''}`, retryable: true });
  }
}

/** The last lines of stderr that are not a stack trace, without terminal colours, at most 300 characters. */
export function summarizeStderr(stderr: string): string {
  const lines = stderr
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^at\s/.test(line) && !/^\^+$/.test(line));
  const tail = lines.slice(-3).join(' | ');
  return tail.length > 300 ? `…${tail.slice(-299)}` : tail;
}
