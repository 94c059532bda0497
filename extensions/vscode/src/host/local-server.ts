/**
 * Starting a Confab server for the workspace when none answers at the configured URL and the user
 * agrees: `confab.localServerCommand` (default `confab serve`) runs in the folder with `--port` from
 * the URL, so its data (`.confab/`: database and token) lives in the project. The first line it prints
 * carries the URL and the token; the extension signs in with them. The server is the extension's
 * child: it is stopped (SIGTERM, a clean shutdown) when the window closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ConfabConnection } from './connection.ts';
import { parseServerInput } from './sign-in.ts';

/** Whether `${url}/v1/health` answers (within `timeoutMs`). */
export async function serverAnswers(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok;
  } catch {
    return false;
  }
}

/** A server we may start: only on this machine, on a loopback address. */
export function isLocalUrl(url: string): boolean {
  try {
    const { hostname, protocol } = new URL(url);
    return protocol === 'http:' && (hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname));
  } catch {
    return false;
  }
}

export class LocalServer {
  #child: ChildProcess | null = null;

  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /**
   * Runs `command --port <port of url>` in `cwd` and signs `connection` in once it printed its URL.
   * Rejects with what it printed when it exits first or prints nothing within `timeoutMs`.
   */
  async start(options: { command: string; cwd: string; url: string; connection: ConfabConnection; timeoutMs?: number }): Promise<void> {
    if (this.running) throw new Error('A Confab server started by this window is already running.');
    const port = new URL(options.url).port || '80';
    // Its own process group: stop() ends the shell and the server it started together.
    const child = spawn(`${options.command} --port ${port}`, { cwd: options.cwd, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    let output = '';
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`"${options.command}" printed no URL within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s. ${output.slice(-500)}`)), options.timeoutMs ?? 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = /Confab is running at (\S+)/.exec(output);
        if (!match) return;
        clearTimeout(timer);
        resolve(match[1]);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`"${options.command}" exited (${code ?? signal}) before it was ready. ${output.slice(-500)}`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    }).catch((error: unknown) => {
      this.stop();
      throw error;
    });
    const printed = parseServerInput(line);
    if (!printed?.token) {
      this.stop();
      throw new Error(`"${options.command}" printed a URL without a token; use Confab: Sign In with the server's token.`);
    }
    await options.connection.signIn(printed.url, printed.token);
  }

  stop(): void {
    const child = this.#child;
    this.#child = null;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
