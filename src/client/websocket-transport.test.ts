import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { WebSocketServer, type WebSocket as PeerSocket } from 'ws';
import { flush, ManualScheduler } from '../../test/client/support/manual-scheduler.ts';
import { ConfabClientError } from './client-error.ts';
import { WebSocketTransport, type WebSocketConstructor } from './websocket-transport.ts';

/** A WebSocket peer on 127.0.0.1 whose answers each test scripts; the client is Node's own global WebSocket. */
async function startPeer(onFrame: (frame: any, socket: PeerSocket) => void, options: { refuseUpgrade?: boolean; maxPayload?: number } = {}) {
  const server: Server = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  const sockets: PeerSocket[] = [];
  const frames: any[] = [];
  server.on('upgrade', (req, socket, head) => {
    if (options.refuseUpgrade) return void socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('error', () => undefined); // a frame over maxPayload: ws closes with 1009 and reports it here
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        frames.push(frame);
        onFrame(frame, ws);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/ws`;
  return {
    url,
    frames,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

type ConnectOptions = { heartbeat?: { intervalMs: number; timeoutMs: number }; refuseUpgrade?: boolean; maxPayload?: number; maxFrameBytes?: number };

async function connect(onFrame: (frame: any, socket: PeerSocket) => void, options: ConnectOptions = {}) {
  const peer = await startPeer(onFrame, options);
  const scheduler = new ManualScheduler();
  // Counts the frames the client received; its listener runs in the same dispatch as the
  // transport's own, so once the count is seen the transport has handled the frame.
  let received = 0;
  class CountingWebSocket extends globalThis.WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', () => received++);
    }
  }
  const transport = new WebSocketTransport({
    url: peer.url,
    WebSocket: CountingWebSocket as unknown as WebSocketConstructor,
    scheduler,
    connectTimeoutMs: 5_000,
    requestTimeoutMs: 1_000,
    heartbeat: options.heartbeat ?? { intervalMs: 0, timeoutMs: 0 },
    maxPendingRequests: 3,
    maxFrameBytes: options.maxFrameBytes ?? 1024 * 1024,
  });
  const closes: (ConfabClientError | null)[] = [];
  const errors: ConfabClientError[] = [];
  transport.onclose = (error) => closes.push(error);
  transport.onerror = (error) => errors.push(error);
  cleanups.push(async () => {
    await transport.close();
    await peer.close();
  });
  return { peer, scheduler, transport, closes, errors, received: () => received };
}

/** Polls real time (the sockets are real) for up to 10 s. */
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'condition not reached');
};

describe('WebSocketTransport', () => {
  test('matches acks to requests by id, whatever order they come back in', async () => {
    const held: any[] = [];
    const { transport, peer } = await connect((frame, socket) => {
      held.push(frame);
      if (held.length < 2) return;
      for (const request of held.reverse()) socket.send(JSON.stringify({ type: 'ack', id: request.id, result: { run: { id: `run_of_${request.type}` } } }));
    });
    await transport.start();
    const [stopped, continued] = await Promise.all([transport.stop('conv_1', 'run_9'), transport.continue('conv_1')]);
    assert.deepEqual(stopped, { run: { id: 'run_of_stop' } });
    assert.deepEqual(continued, { run: { id: 'run_of_continue' } });
    assert.deepEqual(
      peer.frames.map(({ id: _id, ...frame }) => frame),
      [{ type: 'stop', conversationId: 'conv_1', runId: 'run_9' }, { type: 'continue', conversationId: 'conv_1' }],
    );
  });

  test('an error frame answering a request rejects it with the server code; one answering nothing goes to onerror', async () => {
    const { transport, errors } = await connect((frame, socket) => {
      socket.send(JSON.stringify({ type: 'error', error: { code: 'bad_request', message: 'stray' } }));
      socket.send(JSON.stringify({ type: 'error', id: frame.id, error: { code: 'not_found', message: 'No conversation conv_x.' } }));
    });
    await transport.start();
    await assert.rejects(transport.subscribe('conv_x', null), (error: ConfabClientError) => error.code === 'not_found' && error.message === 'No conversation conv_x.');
    assert.deepEqual(errors.map((error) => [error.code, error.message]), [['bad_request', 'stray']]);
  });

  test('events are validated: a valid one is delivered, an invalid one is reported and the socket stays up', async () => {
    const { transport, errors } = await connect((frame, socket) => {
      socket.send(JSON.stringify({ type: 'ack', id: frame.id, result: { conversationId: 'c' } }));
      socket.send(JSON.stringify({ seq: 1, cursor: 'E.1', conversationId: 'c', runId: null, type: 'part-end', at: 5, data: { messageId: 'm' } }));
      socket.send(JSON.stringify({ seq: 2, cursor: 'E.2', conversationId: 'c', runId: 'r', type: 'part-end', at: 6, data: { messageId: 'm', partId: 'p' } }));
    });
    const events: unknown[] = [];
    transport.onevent = (event) => events.push(event);
    await transport.start();
    await transport.subscribe('c', 'E.0');
    await until(() => events.length === 1);
    assert.deepEqual(events, [{ seq: 2, cursor: 'E.2', conversationId: 'c', runId: 'r', type: 'part-end', at: 6, data: { messageId: 'm', partId: 'p' } }]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'bad_response');
    assert.match(errors[0].message, /partId/);
  });

  test('a request with no answer times out; later ones still work', async () => {
    let answer = false;
    const { transport, scheduler } = await connect((frame, socket) => {
      if (answer) socket.send(JSON.stringify({ type: 'ack', id: frame.id, result: { conversationId: frame.conversationId } }));
    });
    await transport.start();
    const first = transport.subscribe('conv_1', null);
    const outcome = assert.rejects(first, { code: 'timeout' });
    await flush();
    scheduler.advance(1_000);
    await outcome;
    answer = true;
    await transport.subscribe('conv_2', null);
  });

  test('requests awaiting an answer are bounded', async () => {
    const { transport } = await connect(() => undefined);
    await transport.start();
    const waiting = [1, 2, 3].map((n) => transport.subscribe(`conv_${n}`, null).catch((error: ConfabClientError) => error.code));
    await assert.rejects(transport.subscribe('conv_4', null), { code: 'rate_limited' });
    await transport.close();
    assert.deepEqual(await Promise.all(waiting), ['closed', 'closed', 'closed']);
  });

  test('a connection lost before the answer rejects the request with network and reports the loss once', async () => {
    const { transport, closes } = await connect((_frame, socket) => socket.terminate());
    await transport.start();
    await assert.rejects(transport.send('conv_1', { content: 'hi', clientRequestId: 'r' }), { code: 'network' });
    await until(() => closes.length === 1);
    assert.equal(closes[0]?.code, 'network');
    await assert.rejects(transport.continue('conv_1'), { code: 'network' });
    assert.equal(closes.length, 1);
  });

  test('a frame over maxFrameBytes fails alone with payload_too_large, unsent; the socket stays up', async () => {
    const { transport, peer, closes } = await connect((frame, socket) => socket.send(JSON.stringify({ type: 'ack', id: frame.id, result: { ok: frame.type } })), { maxFrameBytes: 1000 });
    await transport.start();
    await assert.rejects(transport.send('conv_1', { content: 'é'.repeat(600), clientRequestId: 'r' }), (error: ConfabClientError) => {
      assert.equal(error.code, 'payload_too_large');
      assert.match(error.message, /^The message is too large to send: 1\.3 KB, and the server accepts at most 1000 bytes in one request\. Nothing was sent\.$/);
      return true;
    });
    // 900 ASCII characters fit (the frame's UTF-8 bytes are counted, not its characters).
    assert.deepEqual(await transport.send('conv_1', { content: 'a'.repeat(900), clientRequestId: 'r2' }), { ok: 'send' });
    assert.deepEqual(peer.frames.map((frame) => frame.clientRequestId), ['r2']);
    assert.deepEqual(closes, []);
  });

  test('a server that closes with 1009 (its limit is lower): the largest waiting request fails as payload_too_large, the others as network', async () => {
    const { transport, closes } = await connect(() => undefined, { maxPayload: 2000 });
    await transport.start();
    const small = transport.subscribe('conv_1', null).catch((error: ConfabClientError) => error.code);
    const large = transport.send('conv_1', { content: 'x'.repeat(5000), clientRequestId: 'r' }).catch((error: ConfabClientError) => error.code);
    assert.deepEqual(await Promise.all([small, large]), ['network', 'payload_too_large']);
    await until(() => closes.length === 1);
    assert.equal(closes[0]?.code, 'network');
  });

  test('heartbeat: pings on the interval; a server that stays silent past the timeout ends the connection', async () => {
    let answerPings = true;
    const { transport, scheduler, peer, closes, received } = await connect(
      (frame, socket) => {
        if (frame.type === 'ping' && answerPings) socket.send(JSON.stringify({ type: 'pong', id: frame.id }));
      },
      { heartbeat: { intervalMs: 30_000, timeoutMs: 10_000 } },
    );
    await transport.start();
    scheduler.advance(30_000);
    await until(() => peer.frames.length === 1);
    await until(() => received() === 1); // the pong is back before the deadline is reached
    scheduler.advance(10_000);
    assert.equal(closes.length, 0, 'answered in time');
    answerPings = false;
    scheduler.advance(20_000);
    await until(() => peer.frames.length === 2);
    scheduler.advance(9_999);
    assert.equal(closes.length, 0);
    scheduler.advance(1);
    assert.equal(closes.length, 1);
    assert.equal(closes[0]?.code, 'timeout');
  });

  test('start rejects when the upgrade is refused, and onclose is not called for a transport that never opened', async () => {
    const { transport, closes } = await connect(() => undefined, { refuseUpgrade: true });
    await assert.rejects(transport.start(), { code: 'network' });
    assert.equal(closes.length, 0);
  });

  test('close() ends it cleanly: onclose(null), pending requests rejected with closed', async () => {
    const { transport, closes } = await connect(() => undefined);
    await transport.start();
    const pending = transport.unsubscribe('conv_1');
    await transport.close();
    await assert.rejects(pending, { code: 'closed' });
    assert.deepEqual(closes, [null]);
  });
});
