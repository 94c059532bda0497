/**
 * The scripting API shared by the fake upstreams (`openai-upstream.ts`, `anthropic-upstream.ts`):
 * real `node:http` servers on 127.0.0.1 that speak a provider's streaming wire protocol, answer each
 * request with the next scripted response, and record what they were sent.
 *
 *   const upstream = await startOpenAIUpstream();          // or startAnthropicUpstream()
 *   upstream.enqueue(
 *     { kind: 'stream', chunks: [{ text: 'Hel' }, { text: 'lo' }], usage: { inputTokens: 12, outputTokens: 2 } },
 *     { kind: 'error', status: 429, message: 'Slow down', headers: { 'retry-after': '2' } },
 *   );
 *   // point a provider at upstream.url (it ends in /v1) ... then:
 *   upstream.requests[0].body.messages;                     // what the client sent, parsed
 *   await upstream.close();
 *
 * Behaviour every test can rely on:
 * - Responses are served FIFO, one per request. With none left the upstream answers 500 with a body
 *   saying the script ran out (so a forgotten `enqueue` fails loudly, not by hanging).
 * - A text or reasoning chunk is one SSE frame (one token). A tool call is its opening frame plus its
 *   `arguments` JSON streamed in 2–3 pieces. Each frame is written (and flushed; Nagle is off) at once.
 *   Protocol framing the real API always sends (OpenAI's role frame, Anthropic's message_start,
 *   block starts/stops) is sent too, but only script chunks count for `holdAfter`/`dropAfter`/`errorAfter`.
 * - `finishReason` defaults to 'tool_calls' when the script has tool calls, else 'stop'.
 * - `usage` defaults to `{ inputTokens: 10, outputTokens: <number of chunks> }`. `inputTokens` counts
 *   all input tokens, cached ones included, on both peers.
 * - `holdAfter: n`: after n chunks the stream waits for `release()` (or for the client to go away).
 *   `release()` frees every stream holding now; if none is, it frees the next one that holds.
 * - `dropAfter: n`: after n chunks the socket is destroyed without finishing the response.
 * - `endAfter: n`: after n chunks the response ends cleanly, without the protocol's finish signal.
 * - `errorAfter: { chunks, message }`: after that many chunks an in-stream error event is sent and
 *   the response ends (no finish, no usage).
 * - `{ raw }` chunks are written as given (complete SSE frames); `omitStart` leaves out the opening
 *   frames, so a raw chunk can be the very first event. An error response's `rawBody` replaces the
 *   provider's JSON error body (a proxy's HTML page).
 * - `abortedCount` counts responses whose client went away before the response ended (a `dropAfter`
 *   the upstream did itself does not count). `waitForAborts(n)` waits for it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUpstream {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:43121/v1`. */
  url: string;
  /** Every request received, in order: parsed JSON body and lower-cased headers. */
  requests: RecordedRequest[];
  enqueue(...responses: UpstreamResponse[]): void;
  waitForRequests(n: number): Promise<void>;
  /** Releases streams that are holding (see `holdAfter`). */
  release(): void;
  abortedCount: number;
  waitForAborts(n: number): Promise<void>;
  close(): Promise<void>;
}

export type RecordedRequest = { method: string; path: string; headers: Record<string, string>; body: any };

export type UpstreamResponse = StreamResponse | ErrorResponse;

export type StreamResponse = {
  kind: 'stream';
  chunks: ScriptChunk[];
  finishReason?: 'stop' | 'length' | 'tool_calls';
  usage?: UsageScript;
  /** Pause between chunks. */
  delayMs?: number;
  holdAfter?: number;
  dropAfter?: number;
  /** After this many chunks, end the response cleanly without the protocol's finish signal. */
  endAfter?: number;
  /** `type` defaults to the provider's generic server error type. */
  errorAfter?: { chunks: number; message: string; type?: string };
  /** Leave out the protocol's opening frames (OpenAI's role frame, Anthropic's message_start, …): the chunks come first. */
  omitStart?: boolean;
};

/** `rawBody`: sent as it is (`text/html`) instead of the provider's JSON error body, as a proxy's error page would be. */
export type ErrorResponse = { kind: 'error'; status: number; message: string; type?: string; headers?: Record<string, string>; rawBody?: string };

/**
 * `redactedThinking` (its opaque data) is Anthropic-only: the OpenAI peers refuse a script with it.
 * `raw` is written to the stream exactly as given (one or more complete SSE frames), for what the
 * dialects do not script: refusals, odd shapes, error events in a given form.
 */
export type ScriptChunk = { text: string } | { reasoning: string } | { redactedThinking: string } | { toolCall: { id: string; name: string; arguments: string } } | { raw: string };

export type UsageScript = { inputTokens: number; outputTokens: number; cachedInputTokens?: number; reasoningTokens?: number };

/** How one wire protocol renders a scripted stream. Each returned string is one complete SSE frame. */
export interface UpstreamDialect {
  /** The one POST path that is scripted, e.g. `/v1/chat/completions`. */
  path: string;
  /** A reason to answer 400, or undefined when the body is acceptable. */
  validate(body: any): string | undefined;
  errorBody(status: number, message: string, type: string | undefined): unknown;
  openStream(context: StreamContext): StreamWriter;
}

export type StreamContext = { body: any; response: StreamResponse; finishReason: 'stop' | 'length' | 'tool_calls'; usage: UsageScript; requestNumber: number };

export interface StreamWriter {
  start(): string[];
  chunk(chunk: Exclude<ScriptChunk, { raw: string }>): string[];
  error(message: string, type: string | undefined): string[];
  finish(): string[];
}

/**
 * `respond`: answers a request from what it says instead of from the queue (the queue is used when
 * it returns undefined). For clients that send requests of their own beside the scripted ones, in
 * an order nobody can script: a coding agent's title and suggestion requests.
 */
export type UpstreamOptions = { respond?: (body: any, requestNumber: number) => UpstreamResponse | undefined };

export async function startScriptedUpstream(dialect: UpstreamDialect, options: UpstreamOptions = {}): Promise<FakeUpstream> {
  const queue: UpstreamResponse[] = [];
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const holding = new Set<() => void>();
  let pendingRelease = false;
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const waitUntil = (condition: () => boolean) =>
    new Promise<void>((resolve) => {
      if (condition()) return resolve();
      const check = () => {
        if (!condition()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });

  const upstream: FakeUpstream = {
    url: '',
    requests,
    abortedCount: 0,
    enqueue: (...responses) => void queue.push(...responses),
    waitForRequests: (n) => waitUntil(() => requests.length >= n),
    waitForAborts: (n) => waitUntil(() => upstream.abortedCount >= n),
    release() {
      if (holding.size === 0) pendingRelease = true;
      for (const resume of [...holding]) resume();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const resume of [...holding]) resume();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  const hold = (closed: Promise<void>) => {
    if (pendingRelease) {
      pendingRelease = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const resume = () => {
        holding.delete(resume);
        resolve();
      };
      holding.add(resume);
      void closed.then(resume);
    });
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer(async (req, res) => {
    req.socket.setNoDelay(true);
    const text = await readBody(req);
    let body: any;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: flattenHeaders(req), body });
    const requestNumber = requests.length;
    let dropped = false;
    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
    res.on('close', () => {
      if (!res.writableFinished && !dropped) upstream.abortedCount++;
      resolveClosed();
      notify();
    });
    notify();

    // The path, not the query: Claude Code posts to /v1/messages?beta=true.
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== dialect.path) {
      return sendJson(res, 404, dialect.errorBody(404, `fake upstream: nothing at ${req.method} ${req.url}; try POST ${dialect.path}`, undefined));
    }
    const invalid = typeof body === 'object' && body !== null ? dialect.validate(body) : 'body must be a JSON object';
    if (invalid) return sendJson(res, 400, dialect.errorBody(400, `fake upstream: ${invalid}`, undefined));
    const response = options.respond?.(body, requestNumber) ?? queue.shift();
    if (!response) {
      const message = `fake upstream: the script ran out: no response enqueued for request #${requestNumber} (call upstream.enqueue)`;
      return sendJson(res, 500, dialect.errorBody(500, message, undefined));
    }
    if (response.kind === 'error' && response.rawBody !== undefined) {
      res.writeHead(response.status, { 'content-type': 'text/html', ...response.headers });
      return void res.end(response.rawBody);
    }
    if (response.kind === 'error') return sendJson(res, response.status, dialect.errorBody(response.status, response.message, response.type), response.headers);

    const hasToolCalls = response.chunks.some((chunk) => 'toolCall' in chunk);
    const writer = dialect.openStream({
      body,
      response,
      requestNumber,
      finishReason: response.finishReason ?? (hasToolCalls ? 'tool_calls' : 'stop'),
      usage: response.usage ?? { inputTokens: 10, outputTokens: response.chunks.length },
    });
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let flushed: Promise<unknown> = Promise.resolve();
    const write = (frames: string[]) => {
      for (const frame of frames) {
        if (!res.destroyed) flushed = new Promise((resolve) => res.write(frame, resolve));
      }
    };
    if (!response.omitStart) write(writer.start());
    for (let sent = 0; sent <= response.chunks.length; sent++) {
      if (res.destroyed) return;
      if (response.dropAfter === sent) {
        // Let what was written reach the client first, then cut the connection mid-response.
        await flushed;
        dropped = true;
        res.socket?.destroy();
        return;
      }
      if (response.endAfter === sent) {
        // A clean end of the HTTP response with no finish signal (no finish_reason / message_stop).
        return void res.end();
      }
      if (response.errorAfter?.chunks === sent) {
        write(writer.error(response.errorAfter.message, response.errorAfter.type));
        return void res.end();
      }
      if (response.holdAfter === sent) await hold(closed);
      if (sent === response.chunks.length) break;
      if (sent > 0 && response.delayMs) await Promise.race([delay(response.delayMs), closed]);
      if (res.destroyed) return;
      const chunk = response.chunks[sent];
      write('raw' in chunk ? [chunk.raw] : writer.chunk(chunk));
    }
    write(writer.finish());
    res.end();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return upstream;
}

/** Splits tool-call arguments into 2–3 pieces (fewer only when the text is shorter than that). */
export function splitIntoPieces(text: string): string[] {
  const count = Math.min(3, Math.max(1, text.length));
  const size = Math.ceil(text.length / count);
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces.length > 0 ? pieces : [''];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
