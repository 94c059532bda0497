import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** Longest line accepted from an agent (a whole file's content can ride in one message). */
const maxLineLength = 16 * 1024 * 1024;

export type RpcHandlers = {
  notification(method: string, params: any): void;
  /** A request from the agent; its result (or a thrown error) is the answer. */
  request(method: string, params: any): Promise<unknown>;
};

export class RpcError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * JSON-RPC over a child's stdio, one message per line, both ways (requests, responses and
 * notifications from either side), as `codex app-server` speaks it (it leaves out `"jsonrpc"`).
 * When the stream ends, every request still waiting fails with `closed`'s reason.
 */
export class JsonLinesRpc {
  readonly #output: Writable;
  readonly #handlers: RpcHandlers;
  readonly #waiting = new Map<number, { resolve: (value: any) => void; reject: (error: unknown) => void }>();
  #nextId = 1;
  #closed: Error | undefined;

  constructor(input: Readable, output: Writable, handlers: RpcHandlers) {
    this.#output = output;
    this.#handlers = handlers;
    const lines = createInterface({ input, crlfDelay: Infinity });
    lines.on('line', (line) => this.#receive(line));
    lines.on('close', () => this.close(new Error('the agent closed its output')));
  }

  request<T = any>(method: string, params: unknown): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#send({ id, method, params });
    });
  }

  notify(method: string, params?: unknown): void {
    if (!this.#closed) this.#send(params === undefined ? { method } : { method, params });
  }

  close(reason: Error): void {
    this.#closed ??= reason;
    for (const waiter of this.#waiting.values()) waiter.reject(this.#closed);
    this.#waiting.clear();
  }

  #send(message: Record<string, unknown>): void {
    this.#output.write(`${JSON.stringify(message)}\n`);
  }

  #receive(line: string): void {
    if (line.length > maxLineLength || line.trim() === '') return;
    let message: any;
    try {
      message = JSON.parse(line);
    } catch {
      return; // Not protocol output (a stray log line): ignored.
    }
    if (typeof message !== 'object' || message === null) return;
    if (typeof message.method === 'string' && message.id !== undefined) return void this.#answer(message.id, message.method, message.params);
    if (typeof message.method === 'string') return this.#handlers.notification(message.method, message.params);
    const waiter = this.#waiting.get(message.id);
    if (!waiter) return;
    this.#waiting.delete(message.id);
    if (message.error) waiter.reject(new RpcError(Number(message.error.code) || 0, String(message.error.message ?? 'error')));
    else waiter.resolve(message.result);
  }

  async #answer(id: unknown, method: string, params: unknown): Promise<void> {
    try {
      const result = await this.#handlers.request(method, params);
      if (!this.#closed) this.#send({ id, result });
    } catch (error) {
      const code = error instanceof RpcError ? error.code : -32603;
      if (!this.#closed) this.#send({ id, error: { code, message: error instanceof Error ? error.message : 'error' } });
    }
  }
}
