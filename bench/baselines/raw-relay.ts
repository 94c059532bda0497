/**
 * Baseline 1, the raw relay: the physical limit of "upstream SSE in, WebSocket frames out" on this
 * machine. No store, no events, no validation: it reads the upstream's SSE, cuts each token out with
 * indexOf, and sends `{"k":key,"seq":n,"delta":"…"}` (built once) to every subscriber of the stream.
 * The only state is each stream's list of deltas, so a subscriber can resume after a seq.
 *
 *   node bench/baselines/raw-relay.ts --upstream http://127.0.0.1:PORT [--port 0]
 *
 * - WebSocket `/ws`: client frames `{"type":"subscribe","key":K,"after":N}` (N = last seq seen, -1
 *   or absent for everything; answered `{"k":K,"subscribed":true}`, then the missed deltas) and
 *   `{"type":"unsubscribe","key":K}`; the stream's end is `{"k":K,"end":true}`.
 * - `POST /streams/<key>` with the user message as the body starts the upstream request (202).
 * - `GET /metrics`: event-loop delay (`?reset=1` resets it).
 */
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import { loopDelayMonitor } from './loop-metrics.ts';

type RelayStream = { key: string; deltas: string[]; frames: string[]; subscribers: Set<WebSocket>; ended: boolean; endFrame: string };

const maxStreams = 20_000;
const { values } = parseArgs({ options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } } });
const upstream = new URL(values.upstream ?? 'http://127.0.0.1:1');
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const streams = new Map<string, RelayStream>();
const loop = loopDelayMonitor();

function streamOf(key: string): RelayStream {
  let stream = streams.get(key);
  if (!stream) {
    stream = { key, deltas: [], frames: [], subscribers: new Set(), ended: false, endFrame: `{"k":${JSON.stringify(key)},"end":true}` };
    streams.set(key, stream);
    if (streams.size > maxStreams) streams.delete(streams.keys().next().value!);
  }
  return stream;
}

/** One frame to every subscriber, encoded to bytes once. */
function publish(stream: RelayStream, frame: string): void {
  if (stream.subscribers.size === 0) return;
  const payload = Buffer.from(frame);
  for (const socket of stream.subscribers) socket.send(payload, { binary: false });
}

function startUpstream(stream: RelayStream, message: string): void {
  const body = JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: message }] });
  const req = request(
    { host: upstream.hostname, port: upstream.port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
    (res: IncomingMessage) => {
      res.setEncoding('utf8');
      let carry = '';
      res.on('data', (chunk: string) => {
        const text = carry + chunk;
        let at = 0;
        for (;;) {
          const start = text.indexOf('"content":"', at);
          if (start < 0) break;
          const from = start + 11;
          const end = text.indexOf('"', from);
          if (end < 0) break;
          at = end + 1;
          if (end === from) continue;
          const delta = text.slice(from, end);
          const frame = `{"k":${JSON.stringify(stream.key)},"seq":${stream.deltas.length},"delta":"${delta}"}`;
          stream.deltas.push(delta);
          stream.frames.push(frame);
          publish(stream, frame);
        }
        const lastFrameEnd = text.lastIndexOf('\n\n');
        carry = text.slice(Math.max(at, lastFrameEnd + 2));
      });
      res.on('end', () => {
        stream.ended = true;
        publish(stream, stream.endFrame);
      });
    },
  );
  req.on('error', () => {
    stream.ended = true;
    publish(stream, stream.endFrame);
  });
  req.end(body);
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'POST' && path.startsWith('/streams/')) {
    const key = decodeURIComponent(path.slice('/streams/'.length));
    let message = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (message += chunk));
    req.on('end', () => {
      startUpstream(streamOf(key), message);
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    return;
  }
  if (req.method === 'GET' && path === '/metrics') {
    const reset = (req.url ?? '').includes('reset=1');
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ eventLoopDelayMs: loop.read(reset), storeWrites: 0 }));
  }
  res.writeHead(404).end();
});

const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false, clientTracking: false });
wss.on('connection', (socket) => {
  const watching = new Set<RelayStream>();
  socket.on('message', (data) => {
    let frame: { type?: string; key?: string; after?: number };
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    if (typeof frame.key !== 'string') return;
    const stream = streamOf(frame.key);
    if (frame.type === 'unsubscribe') {
      stream.subscribers.delete(socket);
      watching.delete(stream);
      return;
    }
    const after = typeof frame.after === 'number' ? frame.after : -1;
    socket.send(`{"k":${JSON.stringify(stream.key)},"subscribed":true}`);
    for (let seq = after + 1; seq < stream.frames.length; seq++) socket.send(stream.frames[seq]);
    if (stream.ended) socket.send(stream.endFrame);
    else {
      stream.subscribers.add(socket);
      watching.add(stream);
    }
  });
  socket.on('close', () => {
    for (const stream of watching) stream.subscribers.delete(socket);
  });
  socket.on('error', () => {});
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.stdout.write(`relay listening on ${url}\n`);
});
process.on('SIGTERM', () => process.exit(0));
