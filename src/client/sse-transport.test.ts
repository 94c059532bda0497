import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { flush, ManualScheduler } from '../../test/client/support/manual-scheduler.ts';
import type { ConfabClientError } from './client-error.ts';
import { Http } from './http.ts';
import { ConversationsApi } from './rest-api.ts';
import { SseTransport } from './sse-transport.ts';
import type { ConfabEvent } from '../events/definitions.ts';

/** An HTTP peer on 127.0.0.1 answering the event-stream route as each test scripts it. */
async function startPeer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    if (req.url === '/v1/health') return void res.end('{"status":"ok","version":"t"}');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const event = (seq: number, type: string, data: object) => ({ seq, cursor: `E.${seq}`, conversationId: 'conv_1', runId: 'run_1', type, at: 1, data });
const frame = (value: object) => `id: ${(value as { cursor: string }).cursor}\ndata: ${JSON.stringify(value)}\n\n`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function open(handler: (req: IncomingMessage, res: ServerResponse) => void, idleTimeoutMs = 0) {
  const peer = await startPeer(handler);
  const scheduler = new ManualScheduler();
  const http = new Http({ url: peer.url, token: 'secret' });
  const transport = new SseTransport({ http, conversations: new ConversationsApi(http), scheduler, idleTimeoutMs, requestTimeoutMs: 5_000 });
  const events: ConfabEvent[] = [];
  const closes: (ConfabClientError | null)[] = [];
  transport.onevent = (value) => events.push(value);
  transport.onclose = (error) => closes.push(error);
  cleanups.push(async () => {
    await transport.close();
    await peer.close();
  });
  await transport.start();
  return { peer, scheduler, transport, events, closes };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'condition not reached');
};

describe('SseTransport', () => {
  test('sends the cursor as Last-Event-ID with the token, and decodes events split anywhere, even inside a UTF-8 character', async () => {
    const body = Buffer.from('retry: 1000\n\n' + frame(event(4, 'part-delta', { messageId: 'm', partId: 'p', delta: 'héllo €' })) + ': keep-alive\n\n' + frame(event(5, 'part-end', { messageId: 'm', partId: 'p' })), 'utf8');
    const { peer, transport, events } = await open((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // One byte at a time: splits the two-byte é and the three-byte €.
      let offset = 0;
      const next = () => {
        if (offset >= body.length) return;
        res.write(body.subarray(offset, ++offset), () => setImmediate(next));
      };
      next();
    });
    await transport.subscribe('conv_1', 'E.3');
    await until(() => events.length === 2);
    assert.deepEqual(events.map((value) => value.seq), [4, 5]);
    assert.equal((events[0].data as { delta: string }).delta, 'héllo €');
    const request = peer.requests.find((req) => req.url?.endsWith('/events'))!;
    assert.equal(request.url, '/v1/conversations/conv_1/events');
    assert.equal(request.headers['last-event-id'], 'E.3');
    assert.equal(request.headers.authorization, 'Bearer secret');
    assert.equal(request.headers.accept, 'text/event-stream');
  });

  test('without a cursor it sends no Last-Event-ID (the server starts with a snapshot)', async () => {
    const { peer, transport } = await open((_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': hi\n\n'));
    await transport.subscribe('conv_1', null);
    assert.equal(peer.requests.at(-1)!.headers['last-event-id'], undefined);
  });

  test('an error answer rejects the subscription with the server code and leaves the transport open', async () => {
    const { transport, closes } = await open((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'No conversation conv_1.' } }));
    });
    await assert.rejects(transport.subscribe('conv_1', null), (error: ConfabClientError) => error.code === 'not_found' && error.status === 404);
    assert.equal(closes.length, 0);
  });

  test('a stream that ends (other than after conversation-deleted) ends the transport with network', async () => {
    let response: ServerResponse | undefined;
    const { transport, closes } = await open((_req, res) => {
      response = res;
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open\n\n');
    });
    await transport.subscribe('conv_1', null);
    response!.end();
    await until(() => closes.length === 1);
    assert.equal(closes[0]?.code, 'network');
  });

  test('a stream that ends after conversation-deleted is a normal end', async () => {
    const { transport, closes, events } = await open((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(frame(event(9, 'conversation-deleted', { conversationId: 'conv_1' })));
    });
    await transport.subscribe('conv_1', null);
    await until(() => events.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(closes.length, 0);
  });

  test('a stream silent past the idle timeout (no keep-alive) ends the transport with timeout', async () => {
    // Headers only, never a byte of body: nothing can arrive late and restart the idle clock.
    const { transport, closes, scheduler } = await open((_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders(), 45_000);
    await transport.subscribe('conv_1', null);
    await flush();
    scheduler.advance(44_999);
    await flush();
    assert.equal(closes.length, 0);
    scheduler.advance(1);
    await until(() => closes.length === 1);
    assert.equal(closes[0]?.code, 'timeout');
  });

  test('unsubscribe aborts that stream only, without ending the transport', async () => {
    const { peer, transport, closes } = await open((_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open\n\n'));
    await transport.subscribe('conv_1', null);
    await transport.subscribe('conv_2', null);
    const first = peer.requests.find((req) => req.url === '/v1/conversations/conv_1/events')!;
    const aborted = new Promise((resolve) => first.socket.once('close', resolve));
    await transport.unsubscribe('conv_1');
    await aborted;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(closes.length, 0);
  });
});
