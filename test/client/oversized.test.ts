/**
 * A command larger than the server accepts (a 2 MB paste) fails alone with a clear client error:
 * it is never sent, or, when the server's limit is lower than the client knows, never sent again,
 * and the socket that carries every watched conversation stays up.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createClient, type ConfabClient, type ConfabClientError } from '../../src/client/index.ts';
import { defaultMaxRequestBytes } from '../../src/client/request-size.ts';
import { defaultServerLimits } from '../../src/server/server-limits.ts';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { recordConnection, runEnded, waitForConnection, waitForWatch } from './support/watch-helpers.ts';

let server: TestServer | undefined;
let client: ConfabClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
});

const twoMegabytes = 'x'.repeat(2 * 1024 * 1024);

describe('oversized commands', () => {
  test("the client's default request bound is the server's frame and body limit", () => {
    assert.equal(defaultMaxRequestBytes, defaultServerLimits.wsMaxPayloadBytes);
    assert.equal(defaultMaxRequestBytes, defaultServerLimits.maxBodyBytes);
  });

  test('a 2 MB send fails with payload_too_large, unsent, over WebSocket and REST; the socket stays open', async () => {
    server = await startTestServer();
    client = createClient({ url: server.url, token: server.token, transport: 'websocket' });
    const watch = client.watch(server.conversationId);
    await waitForWatch(watch, (state) => state.live);
    const states = recordConnection(client);

    await assert.rejects(watch.send(twoMegabytes), (error: ConfabClientError) => error.code === 'payload_too_large' && /too large to send: 2\.0 MB.*Nothing was sent/.test(error.message));
    await assert.rejects(client.conversations.send(server.conversationId, { content: twoMegabytes }), { code: 'payload_too_large' });
    assert.deepEqual(states, [], 'the connection never dropped');
    assert.equal(watch.current.live, true);
    assert.deepEqual((await server.request('GET', `/v1/conversations/${server.conversationId}`)).body.runs, [], 'nothing reached the server');

    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'fine' }] });
    const { run } = await watch.send('a normal message');
    assert.equal((await waitForWatch(watch, runEnded(run.id))).state!.runs.at(-1)!.status, 'completed');
  });

  test('a server whose frame limit is lower: the socket drops once, the send fails as payload_too_large and is not sent again', async () => {
    server = await startTestServer({ limits: { wsMaxPayloadBytes: 64 * 1024 } });
    client = createClient({ url: server.url, token: server.token, transport: 'websocket' });
    const watch = client.watch(server.conversationId);
    await waitForWatch(watch, (state) => state.live);
    const states = recordConnection(client);

    await assert.rejects(watch.send('y'.repeat(100 * 1024)), { code: 'payload_too_large' });
    await waitForConnection(client, (state) => state.status === 'open');
    await waitForWatch(watch, (state) => state.live);
    assert.equal(states.filter((state) => state.status === 'reconnecting' && state.nextDelayMs !== null).length, 1, 'one drop, no re-send');
    assert.deepEqual((await server.request('GET', `/v1/conversations/${server.conversationId}`)).body.runs, []);
  });
});
