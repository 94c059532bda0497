/**
 * Baseline 2: what a user would build with the Vercel AI SDK, following its "resume streams" recipe,
 * on plain `node:http` instead of Next.js route handlers:
 *
 * - `POST /api/chat {id, messages}`: `streamText` over `@ai-sdk/openai-compatible` (the same upstream),
 *   answered with `toUIMessageStreamResponse`; its `consumeSseStream` hands a copy of the SSE to
 *   `resumable-stream` (Redis) and records the chat's active stream id (in memory here, a database
 *   row in the recipe), cleared when the stream finishes.
 * - `GET /api/chat/<id>/stream?resumeAt=N`: `resumeExistingStream(activeStreamId, N)`, 204 when the
 *   chat has no active stream. `resumeAt` is the number of characters of the SSE body the client
 *   already has (resumable-stream's `skipCharacters`), so a resumed client gets exactly the rest.
 * - `GET /metrics`: event-loop delay.
 *
 *   node bench/baselines/ai-sdk-server.ts --upstream http://127.0.0.1:PORT --redis redis://127.0.0.1:6379
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { convertToModelMessages, streamText, UI_MESSAGE_STREAM_HEADERS, type UIMessage } from 'ai';
import { createClient } from 'redis';
import { createResumableStreamContext } from 'resumable-stream/redis';
import { loopDelayMonitor } from './loop-metrics.ts';

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, redis: { type: 'string', default: 'redis://127.0.0.1:6379' }, port: { type: 'string', default: '0' } },
});
const provider = createOpenAICompatible({ name: 'bench', baseURL: `${values.upstream}/v1`, includeUsage: true });
const model = provider.chatModel('bench');
const publisher = createClient({ url: values.redis });
const subscriber = createClient({ url: values.redis });
await Promise.all([publisher.connect(), subscriber.connect()]);
const streamContext = createResumableStreamContext({ waitUntil: null, publisher: publisher as never, subscriber: subscriber as never, keyPrefix: `bench-${process.pid}` });
/** chat id → active stream id: the recipe keeps it on the chat row. */
const activeStreams = new Map<string, string>();
const loop = loopDelayMonitor();

async function postChat(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { id, messages } = JSON.parse(await readBody(req)) as { id: string; messages: UIMessage[] };
  const result = streamText({ model, messages: await convertToModelMessages(messages), maxRetries: 0 });
  const response = result.toUIMessageStreamResponse({
    originalMessages: messages,
    onFinish: () => {
      activeStreams.delete(id);
    },
    async consumeSseStream({ stream }) {
      const streamId = randomUUID();
      await streamContext.createNewResumableStream(streamId, () => stream);
      activeStreams.set(id, streamId);
    },
  });
  await sendWebStream(res, response.status, Object.fromEntries(response.headers), response.body);
}

async function resumeChat(chatId: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const streamId = activeStreams.get(chatId);
  if (!streamId) return void res.writeHead(204, { 'x-bench-reason': 'no active stream' }).end();
  const resumeAt = Number(query.get('resumeAt') ?? 0) || undefined;
  const stream = await streamContext.resumeExistingStream(streamId, resumeAt);
  if (!stream) return void res.writeHead(204, { 'x-bench-reason': `resumeExistingStream returned ${stream}` }).end();
  await sendWebStream(res, 200, UI_MESSAGE_STREAM_HEADERS, stream.pipeThrough(new TextEncoderStream()));
}

/** Copies a web stream to a Node response; a client that goes away cancels the stream it read. */
async function sendWebStream(res: ServerResponse, status: number, headers: Record<string, string>, body: ReadableStream<Uint8Array> | null): Promise<void> {
  res.writeHead(status, headers);
  if (!body) return void res.end();
  const reader = body.getReader();
  res.on('close', () => void reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done) break;
    res.write(value);
  }
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

const server = createServer((req, res) => {
  const [path, search = ''] = (req.url ?? '/').split('?');
  const query = new URLSearchParams(search);
  let handled: Promise<void> | undefined;
  if (req.method === 'POST' && path === '/api/chat') handled = postChat(req, res);
  else if (req.method === 'GET' && path.startsWith('/api/chat/') && path.endsWith('/stream')) {
    handled = resumeChat(decodeURIComponent(path.slice('/api/chat/'.length, -'/stream'.length)), query, res);
  } else if (req.method === 'GET' && path === '/metrics') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ eventLoopDelayMs: loop.read(query.get('reset') === '1'), storeWrites: null }));
  } else res.writeHead(404).end();
  handled?.catch((error: unknown) => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: String((error as Error)?.message ?? error) }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`ai-sdk baseline listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  void Promise.allSettled([publisher.quit(), subscriber.quit()]).then(() => process.exit(0));
});
