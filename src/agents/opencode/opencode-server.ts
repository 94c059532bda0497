import { randomBytes } from 'node:crypto';
import { UpstreamError } from '../../providers/upstream-error.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { AgentProcess } from '../agent-process.ts';

/** How long `opencode serve` may take to listen (it takes ~20 s on a small machine). */
const startTimeoutMs = 120_000;

/** One OpenCode bus event: `{type, properties}`. */
export type OpenCodeEvent = { type: string; properties: any };

/**
 * One `opencode serve` process shared by every conversation of a provider (it takes ~20 s to
 * start): its HTTP API, and its global SSE event stream dispatched by session id. Sessions belong
 * to directories: every call names the project directory (`?directory=`).
 */
export class OpenCodeServer {
  readonly #settings: AgentProviderSettings;
  readonly #listeners = new Map<string, (event: OpenCodeEvent) => void>();
  readonly #gone = new AbortController();
  readonly #events = new AbortController();
  readonly process: AgentProcess;
  readonly ready: Promise<void>;
  #url = '';
  /** The server is started with a password of Confab's: on a shared machine, nobody else may drive the agent through its port. */
  readonly #authorization: string;

  constructor(settings: AgentProviderSettings, port: number, cwd: string) {
    this.#settings = settings;
    const password = randomBytes(24).toString('base64url');
    this.#authorization = `Basic ${Buffer.from(`confab:${password}`).toString('base64')}`;
    const env = { ...settings.env, OPENCODE_SERVER_USERNAME: 'confab', OPENCODE_SERVER_PASSWORD: password };
    this.process = new AgentProcess({ label: settings.name, command: settings.command, args: ['serve', '--hostname', '127.0.0.1', '--port', String(port), ...settings.args], env, cwd });
    void this.process.exited.then(() => {
      this.#gone.abort();
      this.#events.abort();
    });
    this.ready = this.#start();
    this.ready.catch(() => this.close());
  }

  get gone(): AbortSignal {
    return this.#gone.signal;
  }

  get alive(): boolean {
    return this.process.alive;
  }

  get exited(): Promise<void> {
    return this.process.exited;
  }

  failure(): UpstreamError {
    return this.process.failure();
  }

  /** Calls with this session's events until the returned function is called. */
  listen(sessionId: string, listener: (event: OpenCodeEvent) => void): () => void {
    this.#listeners.set(sessionId, listener);
    return () => {
      if (this.#listeners.get(sessionId) === listener) this.#listeners.delete(sessionId);
    };
  }

  /** A call to the API; a dead server turns into the reason it died. Resolves with the parsed body (undefined when empty); `null` for 404. */
  async call(method: string, path: string, directory: string, body?: unknown): Promise<any> {
    let response: Response;
    try {
      const url = `${this.#url}${path}${path.includes('?') ? '&' : '?'}directory=${encodeURIComponent(directory)}`;
      response = await fetch(url, { method, headers: { authorization: this.#authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body), signal: this.#gone.signal });
    } catch (error) {
      if (!this.alive || this.#gone.signal.aborted) throw this.process.failure();
      throw new UpstreamError({ code: 'network', message: `The ${this.#settings.name} agent server did not answer ${method} ${path.split('?')[0]}.`, retryable: true, cause: error });
    }
    const text = await response.text();
    if (response.status === 404) return null;
    if (!response.ok) throw new UpstreamError({ code: 'server', message: `The ${this.#settings.name} agent server refused ${method} ${path.split('?')[0]} (${response.status}): ${text.slice(0, 300)}`, retryable: false });
    return text === '' ? undefined : JSON.parse(text);
  }

  close(): void {
    this.#events.abort();
    this.process.kill();
  }

  async #start(): Promise<void> {
    const stdout = this.process.child.stdout!;
    stdout.setEncoding('utf8');
    this.#url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new UpstreamError({ code: 'timeout', message: `The ${this.#settings.name} agent server did not start within ${startTimeoutMs / 1000} s.`, retryable: true })), startTimeoutMs);
      const onData = (chunk: string) => {
        seen = (seen + chunk).slice(-4096);
        const match = /listening on (http:\/\/[^\s]+)/.exec(seen);
        if (!match) return;
        clearTimeout(timer);
        stdout.off('data', onData);
        stdout.resume();
        resolve(match[1]!.replace(/\/$/, ''));
      };
      stdout.on('data', onData);
      void this.process.exited.then(() => (clearTimeout(timer), reject(this.process.failure())));
    });
    const events = await fetch(`${this.#url}/global/event`, { headers: { authorization: this.#authorization }, signal: this.#events.signal });
    if (!events.ok || !events.body) throw new UpstreamError({ code: 'server', message: `The ${this.#settings.name} agent server has no event stream (${events.status}).`, retryable: false });
    void this.#read(events.body);
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = body.getReader();
    try {
      while (true) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
          if (data !== '') this.#dispatch(data);
        }
        if (buffer.length > 16 * 1024 * 1024) buffer = '';
      }
    } catch {
      // The stream ends with the server (or on close): the turns waiting learn it through `gone`.
    }
    // Without its event stream the server is of no use: end it, so the next turn starts a new one.
    this.close();
  }

  #dispatch(data: string): void {
    let parsed: any;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    const event: OpenCodeEvent | undefined = parsed?.payload ?? parsed;
    const sessionId = event?.properties?.sessionID ?? event?.properties?.info?.sessionID;
    if (typeof sessionId === 'string') this.#listeners.get(sessionId)?.(event!);
  }
}
