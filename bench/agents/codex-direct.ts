/**
 * The agent driven directly, the floor the agent-overhead scenario compares Confab against: one
 * `codex app-server` over its stdio (JSON-RPC, one message per line), one thread, one turn at a
 * time. It does only what any host must (initialize, thread/start, turn/start, and wait for the
 * first text delta and the turn's end); no storage, no events, no approvals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

type Waiter = { resolve: (value: any) => void; reject: (error: Error) => void };

export class CodexDirect {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, Waiter>();
  #nextId = 1;
  #threadId = '';
  /** Called with every notification (method, params). */
  #onNotification: (method: string, params: any) => void = () => {};

  constructor(options: { command: string; args: string[]; cwd: string; env: Record<string, string> }) {
    this.#child = spawn(options.command, ['app-server', ...options.args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#receive(line));
    this.#child.once('exit', () => {
      for (const waiter of this.#waiting.values()) waiter.reject(new Error('codex app-server exited'));
      this.#waiting.clear();
    });
  }

  async start(cwd: string): Promise<void> {
    await this.#request('initialize', { clientInfo: { name: 'bench', title: 'bench', version: '0' }, capabilities: { experimentalApi: false, requestAttestation: false } });
    this.#write({ method: 'initialized' });
    const started = await this.#request('thread/start', { cwd, approvalPolicy: 'untrusted', sandbox: 'workspace-write' });
    this.#threadId = String(started.thread.id);
  }

  /** One turn: milliseconds from sending `turn/start` to the first text delta, and to the turn's end. */
  turn(text: string, timeoutMs: number): Promise<{ firstTokenMs: number; totalMs: number }> {
    const began = performance.now();
    let firstTokenMs: number | undefined;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the direct Codex turn did not end within ${timeoutMs} ms`)), timeoutMs);
      this.#onNotification = (method, params) => {
        if (method === 'item/agentMessage/delta' && firstTokenMs === undefined) firstTokenMs = performance.now() - began;
        if (method !== 'turn/completed') return;
        clearTimeout(timer);
        const status = params?.turn?.status;
        if (status !== 'completed' || firstTokenMs === undefined) reject(new Error(`the direct Codex turn ended ${status} (first token: ${firstTokenMs ?? 'none'})`));
        else resolve({ firstTokenMs, totalMs: performance.now() - began });
      };
      this.#request('turn/start', { threadId: this.#threadId, input: [{ type: 'text', text, text_elements: [] }] }).catch((error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  close(): void {
    try {
      process.kill(-this.#child.pid!, 'SIGKILL');
    } catch {
      this.#child.kill('SIGKILL');
    }
  }

  #request(method: string, params: unknown): Promise<any> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#write({ id, method, params });
    });
  }

  #write(message: unknown): void {
    this.#child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  #receive(line: string): void {
    let message: any;
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    if (message.id !== undefined && message.method === undefined) {
      const waiter = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      if (message.error) waiter?.reject(new Error(`${message.error.message ?? 'error'}`));
      else waiter?.resolve(message.result);
      return;
    }
    // A request from Codex (an approval) would mean the scenario asked for a tool: refuse it.
    if (message.id !== undefined) this.#write({ id: message.id, error: { code: -32601, message: 'not answered by the bench' } });
    else this.#onNotification(message.method, message.params);
  }
}
