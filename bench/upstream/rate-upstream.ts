/**
 * The rate-controlled fake upstream: `POST /v1/chat/completions` answered with OpenAI
 * chat-completions SSE, each token written when it is due by one scheduler (a min-heap and one
 * timer for all streams). The stream's shape comes from the last user message (`stream-spec.ts`);
 * each token encodes its index and due time (`token-code.ts`).
 *
 * Bench endpoints: `GET /bench/stats` (counters and the upstream's own lateness: how long after its
 * due time a token was handed to the socket), `POST /bench/stats/reset`, `GET /bench/text/<key>`
 * (the exact text a stream sent, for the resume check; the last 20,000 streams are kept).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LatencyHistogram } from '../measure/latency-histogram.ts';
import { DueHeap } from './due-heap.ts';
import { chunkFramer, completionBody, type ChunkFramer } from './openai-chunks.ts';
import { defaultSpec, parseSpec, type StreamSpec } from './stream-spec.ts';
import { encodeToken, nowMs } from './token-code.ts';

const maxKeptTexts = 20_000;
const maxBodyBytes = 1024 * 1024;
/** A client this far behind on reading is cut off rather than buffered without bound. */
const maxBufferedBytes = 16 * 1024 * 1024;

type ActiveStream = {
  due: number;
  spec: StreamSpec;
  res: ServerResponse;
  framer: ChunkFramer;
  start: number;
  next: number;
  text: string[];
  closed: boolean;
};

export type RateUpstream = { url: string; close(): Promise<void> };

export async function startRateUpstream(port = 0): Promise<RateUpstream> {
  const heap = new DueHeap<ActiveStream>();
  const texts = new Map<string, string>();
  const lateness = new LatencyHistogram();
  const counters = { streamsStarted: 0, streamsCompleted: 0, streamsAborted: 0, tokensSent: 0, active: 0 };
  let requestNumber = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerDue = Infinity;

  const keepText = (key: string, text: string) => {
    texts.delete(key);
    texts.set(key, text);
    if (texts.size > maxKeptTexts) texts.delete(texts.keys().next().value!);
  };

  const arm = () => {
    const head = heap.peek();
    if (!head) return;
    if (timer !== undefined && timerDue <= head.due) return;
    if (timer !== undefined) clearTimeout(timer);
    timerDue = head.due;
    timer = setTimeout(tick, Math.max(0, head.due - nowMs()));
  };

  const tick = () => {
    timer = undefined;
    timerDue = Infinity;
    const now = nowMs();
    while (heap.size > 0 && heap.peek()!.due <= now + 0.25) {
      const stream = heap.pop()!;
      if (!stream.closed && writeDue(stream, now)) heap.push(stream);
    }
    arm();
  };

  /** Writes every token due by `now` in one write; false when the stream is finished. */
  const writeDue = (stream: ActiveStream, now: number): boolean => {
    const { spec, framer } = stream;
    const interval = 1000 / spec.rate;
    let out = '';
    lateness.record(now - stream.due);
    while (stream.next < spec.tokens) {
      const due = dueOf(stream, stream.next, interval);
      if (due > now + 0.25) break;
      const token = encodeToken(stream.next, due, spec.size);
      stream.text.push(token);
      out += framer.token(token);
      stream.next++;
      counters.tokensSent++;
    }
    const finished = stream.next >= spec.tokens;
    if (finished) out += framer.finish + framer.usage(10, spec.tokens) + framer.done;
    stream.res.write(out);
    if (stream.res.writableLength > maxBufferedBytes) {
      stream.res.destroy();
      return false;
    }
    if (finished) {
      stream.closed = true;
      counters.streamsCompleted++;
      counters.active--;
      keepText(spec.key, stream.text.join(''));
      stream.res.end();
      return false;
    }
    stream.due = dueOf(stream, stream.next, interval);
    return true;
  };

  const openStream = (res: ServerResponse, body: any) => {
    const spec = specOf(body, ++requestNumber);
    const framer = chunkFramer(`chatcmpl-bench-${requestNumber}`, String(body.model ?? 'bench'), body.stream_options?.include_usage === true);
    // From the client's send time when it says, else from now; a request that arrives late gets the tokens already due at once.
    const start = (spec.sentAt !== undefined && spec.sentAt <= nowMs() ? spec.sentAt : nowMs()) + spec.firstTokenMs;
    if (body.stream !== true) return answerWhole(res, spec, start, requestNumber);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.socket?.setNoDelay(true);
    res.write(framer.role);
    const stream: ActiveStream = { due: start, spec, res, framer, start, next: 0, text: [], closed: false };
    counters.streamsStarted++;
    counters.active++;
    res.on('close', () => {
      if (stream.closed) return;
      stream.closed = true;
      counters.streamsAborted++;
      counters.active--;
      keepText(spec.key, stream.text.join(''));
    });
    heap.push(stream);
    arm();
  };

  const answerWhole = (res: ServerResponse, spec: StreamSpec, start: number, id: number) => {
    const interval = 1000 / spec.rate;
    const probe = { spec, start } as ActiveStream;
    const tokens = Array.from({ length: spec.tokens }, (_, i) => encodeToken(i, dueOf(probe, i, interval), spec.size));
    keepText(spec.key, tokens.join(''));
    const body = completionBody(`chatcmpl-bench-${id}`, 'bench', tokens.join(''), spec.tokens);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path.endsWith('/chat/completions')) {
      return readJson(req, (error, body) => {
        if (error) return res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: error.message, type: 'invalid_request_error' } }));
        openStream(res, body);
      });
    }
    if (req.method === 'GET' && path === '/bench/stats') {
      return sendJson(res, { ...counters, keptTexts: texts.size, lateness: lateness.percentiles() });
    }
    if (req.method === 'POST' && path === '/bench/stats/reset') {
      Object.assign(counters, { streamsStarted: 0, streamsCompleted: 0, streamsAborted: 0, tokensSent: 0 });
      lateness.counts.fill(0);
      Object.assign(lateness, { count: 0, negative: 0, sum: 0, max: 0 });
      return sendJson(res, { ok: true });
    }
    if (req.method === 'GET' && path.startsWith('/bench/text/')) {
      const text = texts.get(decodeURIComponent(path.slice('/bench/text/'.length)));
      if (text === undefined) return res.writeHead(404).end();
      return res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
    }
    if (req.method === 'GET' && path.endsWith('/models')) return sendJson(res, { object: 'list', data: [{ id: 'bench', object: 'model', owned_by: 'bench' }] });
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } }));
  });
  server.keepAliveTimeout = 60_000;
  server.maxConnections = 100_000;

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (timer) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function dueOf(stream: Pick<ActiveStream, 'spec' | 'start'>, index: number, interval: number): number {
  const burst = stream.spec.burst;
  return stream.start + Math.floor(index / burst) * burst * interval;
}

function specOf(body: any, requestNumber: number): StreamSpec {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role !== 'user') continue;
    const content = messages[i].content;
    const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((part: any) => part?.text ?? '').join('') : '';
    const spec = parseSpec(text);
    if (spec) return spec;
    break;
  }
  return { ...defaultSpec, key: `anonymous-${requestNumber}` };
}

function readJson(req: IncomingMessage, done: (error: Error | undefined, body?: any) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxBodyBytes) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > maxBodyBytes) return done(new Error('body too large'));
    try {
      done(undefined, JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch (error) {
      done(error as Error);
    }
  });
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
