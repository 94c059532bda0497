import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConversationState } from '../../src/domain/schemas.ts';
import { applyEvent, messageText } from '../../src/events/apply-event.ts';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';
import { connectWs, tryUpgrade, type WsClient } from '../support/ws-client.ts';

const isRunTotals = (frame: any) => frame.type === 'conversation-updated' && frame.data.conversation.usage.outputTokens > 0;
const open = (server: TestServer, options?: Parameters<typeof connectWs>[2]) => connectWs(server.url, server.authHeaders, options);

describe('WebSocket commands', () => {
  it('subscribe, send, stop, continue and ping each answer with the frame id echoed', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Part' }, { text: 'ial' }], holdAfter: 1 }, { kind: 'stream', chunks: [{ text: ' rest' }] });
      const client = await open(server);
      const conversationId = server.conversationId;

      const subscribed = await client.request({ type: 'subscribe', conversationId });
      assert.deepEqual(subscribed, { type: 'ack', id: subscribed.id, result: { conversationId } });
      const snapshot = await client.waitFor((frame) => frame.type === 'snapshot');
      assert.ok(client.frames.indexOf(subscribed) < client.frames.indexOf(snapshot), 'the ack comes before the events');

      const sent = await client.request({ type: 'send', conversationId, content: 'Go', clientRequestId: 'c-1' });
      assert.equal(sent.type, 'ack');
      assert.deepEqual(Object.keys(sent.result).sort(), ['message', 'run']);
      assert.equal(sent.result.run.status, 'queued');
      await client.waitFor((frame) => frame.type === 'part-delta' && frame.data.delta === 'Part');

      const stopped = await client.request({ type: 'stop', conversationId });
      assert.equal(stopped.type, 'ack');
      assert.equal(stopped.result.run.id, sent.result.run.id);
      assert.equal(stopped.result.run.status, 'stopped');

      const continued = await client.request({ type: 'continue', conversationId });
      assert.equal(continued.type, 'ack');
      assert.equal(continued.result.run.trigger, 'continue');
      await client.waitFor((frame) => frame.type === 'run-completed' && frame.runId === continued.result.run.id);

      client.send({ type: 'ping', id: 42 });
      assert.deepEqual(await client.waitFor((frame) => frame.type === 'pong'), { type: 'pong', id: 42 });
      client.send({ type: 'ping' });
      await eventually(() => client.frames.filter((frame) => frame.type === 'pong').length === 2);
      assert.deepEqual(client.frames.filter((frame) => frame.type === 'pong')[1], { type: 'pong' });

      let state: ConversationState | undefined;
      for (const event of client.events(conversationId)) state = applyEvent(state!, event);
      assert.equal(messageText(state!.messages[1]), 'Part rest');
      client.close();
    });
  });

  it('command errors come back as error frames with the id and the engine code; the socket stays up', async () => {
    await withTestServer(async (server) => {
      const client = await open(server);
      const missing = await client.request({ type: 'subscribe', conversationId: 'conv_missing' });
      assert.deepEqual(missing, { type: 'error', id: missing.id, error: { code: 'not_found', message: 'No conversation conv_missing.' } });
      const nothing = await client.request({ type: 'continue', conversationId: server.conversationId });
      assert.equal(nothing.error.code, 'nothing_to_continue');
      const empty = await client.request({ type: 'send', conversationId: server.conversationId, content: '' });
      assert.equal(empty.type, 'error');
      assert.equal(empty.error.code, 'bad_request');
      assert.match(empty.error.message, /^Invalid send frame: content: content must not be empty/);
      assert.equal((await client.request({ type: 'ping' })).type, 'pong');
      client.close();
    });
  });

  it('unsubscribe stops the events of that conversation', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'x' }] });
      const client = await open(server);
      await client.request({ type: 'subscribe', conversationId: server.conversationId });
      await client.waitFor((frame) => frame.type === 'snapshot');
      const ack = await client.request({ type: 'unsubscribe', conversationId: server.conversationId });
      assert.deepEqual(ack.result, { conversationId: server.conversationId });
      assert.equal(server.hub.sessions()[0]?.subscribers ?? 0, 0);
      const count = client.events().length;
      const sent = await server.request('POST', `/v1/conversations/${server.conversationId}/messages`, { content: 'x' });
      await eventually(async () => (await server.request('GET', `/v1/conversations/${server.conversationId}`)).body.runs.some((run: { id: string; status: string }) => run.id === sent.body.run.id && run.status === 'completed'));
      assert.equal((await client.request({ type: 'ping' })).type, 'pong');
      assert.equal(client.events().length, count);
      client.close();
    });
  });

  it('subscribe with after=<cursor> replays exactly the missing events', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }] });
      const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
      const sent = await server.request('POST', `/v1/conversations/${server.conversationId}/messages`, { content: 'x' });
      await eventually(async () => (await server.request('GET', `/v1/conversations/${server.conversationId}`)).body.runs.some((run: { id: string; status: string }) => run.id === sent.body.run.id && run.status === 'completed'));
      const client = await open(server);
      await client.request({ type: 'subscribe', conversationId: server.conversationId, after: body.cursor });
      await client.waitFor(isRunTotals);
      const seqs = client.events().map((frame) => frame.seq);
      assert.deepEqual(seqs, seqs.map((_, index) => index + 1));
      client.close();
    });
  });
});

describe('WebSocket limits', () => {
  it('malformed frames get error frames (id echoed when usable) and the socket stays up', async () => {
    await withTestServer(async (server) => {
      const client = await open(server);
      const cases: [string | Buffer, string | number | undefined, RegExp][] = [
        ['not json', undefined, /^The frame is not valid JSON\.$/],
        ['[1,2]', undefined, /^A frame must be a JSON object\.$/],
        ['{"id":"a","type":"dance"}', 'a', /^Unknown frame type "dance"; expected one of subscribe, unsubscribe, send, stop, continue, regenerate, select-branch, approve, ping, subscribe-catalog, unsubscribe-catalog\.$/],
        ['{"id":7,"type":"subscribe"}', 7, /^Invalid subscribe frame: conversationId: /],
        ['{"id":{"x":1},"type":"ping"}', undefined, /^Invalid ping frame: id: /],
        [Buffer.from('{"type":"ping"}'), undefined, /^Binary frames are not accepted/],
      ];
      for (const [data, id, message] of cases) {
        const before = client.frames.length;
        client.sendRaw(data);
        await eventually(() => client.frames.length > before);
        const frame = client.frames.at(-1);
        assert.equal(frame.type, 'error', String(data));
        assert.equal(frame.id, id, String(data));
        assert.equal(frame.error.code, 'bad_request');
        assert.match(frame.error.message, message);
      }
      assert.equal((await client.request({ type: 'ping' })).type, 'pong');
      client.close();
    });
  });

  it('more than 20 malformed frames closes the socket with 1008', async () => {
    await withTestServer(async (server) => {
      const client = await open(server);
      for (let i = 0; i < 20; i++) client.sendRaw('garbage');
      assert.equal((await client.request({ type: 'ping' })).type, 'pong');
      client.sendRaw('one too many');
      const closed = await client.closed;
      assert.equal(closed.code, 1008);
      assert.equal(closed.reason, 'too many malformed frames');
      assert.equal(client.frames.filter((frame) => frame.type === 'error').length, 21);
    });
  });

  it('a frame over the payload limit closes the socket with 1009', async () => {
    await withTestServer(
      async (server) => {
        const client = await open(server);
        client.send({ type: 'send', conversationId: server.conversationId, content: 'x'.repeat(2000) });
        assert.equal((await client.closed).code, 1009);
        assert.equal((await server.request('GET', `/v1/conversations/${server.conversationId}`)).body.messages.length, 0);
      },
      { limits: { wsMaxPayloadBytes: 1024 } },
    );
  });

  it('caps subscriptions per socket with rate_limited; resubscribing does not count twice', async () => {
    await withTestServer(
      async (server) => {
        const second = (await server.request('POST', '/v1/conversations', { projectName: 'demo' })).body.conversation.id;
        const third = (await server.request('POST', '/v1/conversations', { projectName: 'demo' })).body.conversation.id;
        const client = await open(server);
        assert.equal((await client.request({ type: 'subscribe', conversationId: server.conversationId })).type, 'ack');
        assert.equal((await client.request({ type: 'subscribe', conversationId: second })).type, 'ack');
        assert.equal((await client.request({ type: 'subscribe', conversationId: second })).type, 'ack');
        const refused = await client.request({ type: 'subscribe', conversationId: third });
        assert.equal(refused.type, 'error');
        assert.equal(refused.error.code, 'rate_limited');
        await client.request({ type: 'unsubscribe', conversationId: second });
        assert.equal((await client.request({ type: 'subscribe', conversationId: third })).type, 'ack');
        client.close();
      },
      { limits: { wsMaxSubscriptions: 2 } },
    );
  });

  it('commands past the in-flight bound wait (the socket is not read meanwhile) and are all answered', async () => {
    await withTestServer(
      async (server) => {
        server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }], holdAfter: 1 });
        const client = await open(server);
        const sent = await client.request({ type: 'send', conversationId: server.conversationId, content: 'x' });
        await server.upstream.waitForRequests(1);
        const replies = await Promise.all([
          client.request({ type: 'stop', conversationId: server.conversationId }),
          ...Array.from({ length: 10 }, () => client.request({ type: 'ping' })),
          client.request({ type: 'stop', conversationId: server.conversationId }),
        ]);
        assert.equal(replies[0].result.run.id, sent.result.run.id);
        assert.equal(replies[0].result.run.status, 'stopped');
        assert.deepEqual(replies.slice(1, 11).map((reply) => reply.type), Array(10).fill('pong'));
        assert.equal(replies[11].type, 'ack');
        client.close();
      },
      { limits: { wsMaxCommandsInFlight: 2 } },
    );
  });

  it('drops a socket that does not answer pings, keeps one that does', async () => {
    await withTestServer(
      async (server) => {
        const silent = await open(server, { autoPong: false });
        const lively = await open(server);
        const closed = await silent.closed;
        assert.equal(closed.code, 1006);
        assert.equal(lively.socket.readyState, lively.socket.OPEN);
        assert.equal((await lively.request({ type: 'ping' })).type, 'pong');
        lively.close();
      },
      { limits: { wsPingIntervalMs: 40 } },
    );
  });

  it('caps concurrent streams per token across SSE and WebSocket with 429 rate_limited', async () => {
    await withTestServer(
      async (server) => {
        const first = await open(server);
        const sse = await fetch(`${server.url}/v1/conversations/${server.conversationId}/events`, { headers: server.authHeaders });
        assert.equal(sse.status, 200);
        const refused = await tryUpgrade(server.url, server.authHeaders);
        assert.equal(refused.status, 429);
        assert.equal(refused.body.error.code, 'rate_limited');
        const refusedSse = await server.request('GET', `/v1/conversations/${server.conversationId}/events`);
        assert.equal(refusedSse.status, 429);
        assert.equal(refusedSse.body.error.code, 'rate_limited');
        first.close();
        await first.closed;
        await eventually(async () => (await tryUpgrade(server.url, server.authHeaders)).status === 101, 2000, 'a slot to free up');
        await sse.body?.cancel();
      },
      { limits: { maxStreamsPerToken: 2 } },
    );
  });

  it('a socket that stops reading is cut over to a snapshot and ends with exactly the right text', async () => {
    await withTestServer(
      async (server) => {
        const chunks = Array.from({ length: 140 }, (_, index) => ({ text: `${String(index).padStart(4, '0')}${'y'.repeat(64 * 1024 - 4)}` }));
        server.upstream.enqueue({ kind: 'stream', chunks });
        const client = await open(server);
        await client.request({ type: 'subscribe', conversationId: server.conversationId });
        await client.waitFor((frame) => frame.type === 'snapshot');
        client.socket.pause();
        await server.request('POST', `/v1/conversations/${server.conversationId}/messages`, { content: 'Big' });
        await eventually(() => server.hub.sessions()[0]?.status === 'idle', 20_000, 'the run to end');
        client.socket.resume();
        await client.waitFor((frame) => frame.type === 'run-completed' || (frame.type === 'snapshot' && frame.data.state.runs.at(-1)?.status === 'completed'), 20_000);
        let state: ConversationState | undefined;
        for (const event of structuredClone(client.events())) state = applyEvent(state!, event);
        assert.ok(client.events().filter((frame) => frame.type === 'snapshot').length >= 2, 'a snapshot replaced the backlog');
        assert.equal(messageText(state!.messages[1]), chunks.map((chunk) => chunk.text).join(''));
        assert.equal((await client.request({ type: 'ping' })).type, 'pong', 'a large snapshot does not cost the socket');
        client.close();
      },
      { hubLimits: { subscriberBufferLimit: 8 }, limits: { wsHighWaterBytes: 64 * 1024 } },
    );
  });

  it('a client that keeps sending without reading is closed with 1008 once its replies pass the bound', async () => {
    await withTestServer(
      async (server) => {
        const chunks = Array.from({ length: 140 }, (_, index) => ({ text: `${String(index).padStart(4, '0')}${'z'.repeat(64 * 1024 - 4)}` }));
        server.upstream.enqueue({ kind: 'stream', chunks });
        const client = await open(server);
        await client.request({ type: 'subscribe', conversationId: server.conversationId });
        client.socket.pause();
        await server.request('POST', `/v1/conversations/${server.conversationId}/messages`, { content: 'Big' });
        await eventually(() => server.hub.sessions()[0]?.status === 'idle', 20_000, 'the run to end');
        for (let i = 0; i < 30; i++) client.send({ type: 'ping', id: i });
        await new Promise((resolve) => setTimeout(resolve, 300)); // the pings reach the server (only the client's reading is paused)
        client.socket.resume();
        assert.deepEqual(await client.closed, { code: 1008, reason: 'not reading' });
        assert.ok(client.frames.filter((frame) => frame.type === 'pong').length <= 20);
      },
      { hubLimits: { subscriberBufferLimit: 8 }, limits: { wsHighWaterBytes: 64 * 1024, wsMaxPendingReplies: 20 } },
    );
  });
});

describe('WebSocket fan-out', () => {
  it('two clients watching one conversation receive identical event sequences', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ reasoning: 'think' }, { text: 'one ' }, { text: 'two' }], delayMs: 2 });
      const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
      const clients: WsClient[] = [await open(server), await open(server)];
      for (const client of clients) await client.request({ type: 'subscribe', conversationId: server.conversationId, after: body.cursor });
      await clients[0].request({ type: 'send', conversationId: server.conversationId, content: 'Count' });
      for (const client of clients) await client.waitFor(isRunTotals);
      const [a, b] = clients.map((client) => client.events(server.conversationId));
      assert.ok(a.length >= 12);
      assert.deepEqual(a, b);
      for (const client of clients) client.close();
    });
  });
});
