import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { createClient, messageText, type ConfabClient } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { startUpgradeRefusingProxy, type UpgradeRefusingProxy } from './support/proxies.ts';
import { recordConnection, recordEvents, runEnded, transcript, waitForConnection, waitForSameSeq, waitForWatch } from './support/watch-helpers.ts';

let server: TestServer;
let proxy: UpgradeRefusingProxy;
const clients: ConfabClient[] = [];

before(async () => {
  server = await startTestServer();
  proxy = await startUpgradeRefusingProxy(server.url);
});
after(async () => {
  await proxy.close();
  await server.close();
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

describe('behind a proxy that refuses WebSocket upgrades', () => {
  test('auto tries the WebSocket first, falls back to SSE plus REST, and streams the same events a direct WebSocket watcher sees', async () => {
    const direct = createClient({ url: server.url, token: server.token });
    const proxied = createClient({ url: proxy.url, token: server.token });
    clients.push(direct, proxied);
    const conversationId = (await direct.conversations.create({ projectName: 'demo' })).id;
    const chunks = ['Falling ', 'back ', 'to ', 'SSE.'];
    server.upstream.enqueue({ kind: 'stream', chunks: chunks.map((text) => ({ text })), delayMs: 5 });

    const connection = recordConnection(proxied);
    const reference = direct.watch(conversationId);
    const watch = proxied.watch(conversationId);
    const referenceEvents = recordEvents(reference);
    const events = recordEvents(watch);
    await Promise.all([waitForWatch(reference, (state) => state.live), waitForWatch(watch, (state) => state.live)]);
    assert.equal(proxy.upgradesRefused, 1, 'the WebSocket was tried first');
    assert.equal(proxied.connection.transport, 'sse');
    assert.equal(direct.connection.transport, 'websocket');
    assert.deepEqual(connection.map((state) => state.status), ['connecting', 'open']);

    const { run } = await watch.send('Can you hear me?');
    const final = await waitForWatch(watch, runEnded(run.id));
    await waitForWatch(reference, (state) => state.lastSeq >= final.lastSeq && state.state!.conversation.usage.outputTokens > 0);
    await waitForSameSeq([watch, reference]);
    assert.equal(messageText(watch.state!.messages.at(-1)!), chunks.join(''));
    assert.deepEqual(transcript(events), transcript(referenceEvents));
    assert.equal(proxy.upgradesRefused, 1);
  });

  test('after falling back, stop and continue go over REST and the watch follows them', async () => {
    const proxied = createClient({ url: proxy.url, token: server.token });
    clients.push(proxied);
    const conversationId = (await proxied.conversations.create({ projectName: 'demo' })).id;
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'held' }, { text: ' never' }], holdAfter: 1 }, { kind: 'stream', chunks: [{ text: ' and more' }] });
    const watch = proxied.watch(conversationId);
    await waitForWatch(watch, (state) => state.live);
    const requestsBefore = proxy.requests;
    const { run } = await watch.send('Start');
    await waitForWatch(watch, (state) => state.status === 'running' && messageText(state.state!.messages.at(-1)!) === 'held');
    const stopped = await watch.stop();
    assert.equal(stopped.run?.status, 'stopped');
    await waitForWatch(watch, runEnded(run.id));
    const continued = await watch.continue();
    const final = await waitForWatch(watch, runEnded(continued.run.id));
    assert.equal(messageText(final.state!.messages.at(-1)!), 'held and more');
    assert.equal(proxy.requests - requestsBefore, 3, 'send, stop and continue were three HTTP requests');
  });

  test('transport "websocket" does not fall back: it keeps reconnecting, and gives up after maxAttempts', async () => {
    const strict = createClient({ url: proxy.url, token: server.token, transport: 'websocket', reconnect: { initialDelayMs: 5, maxDelayMs: 10, factor: 2, jitter: 0, maxAttempts: 2 } });
    clients.push(strict);
    const watch = strict.watch(server.conversationId);
    await watch.ready;
    const closed = await waitForConnection(strict, (state) => state.status === 'closed');
    assert.equal(closed.error?.code, 'network');
    assert.equal(closed.attempt, 2);
    assert.equal(watch.current.live, false);
    await assert.rejects(watch.send('hello?'), { code: 'network' });
  });

  test('with no WebSocket implementation at all, auto uses SSE from the start and websocket mode is refused up front', async () => {
    const saved = globalThis.WebSocket;
    Reflect.deleteProperty(globalThis, 'WebSocket');
    try {
      assert.throws(() => createClient({ url: server.url, token: server.token, transport: 'websocket' }), TypeError);
      const sseOnly = createClient({ url: server.url, token: server.token });
      clients.push(sseOnly);
      const watch = sseOnly.watch(server.conversationId);
      await waitForWatch(watch, (state) => state.live);
      assert.equal(sseOnly.connection.transport, 'sse');
    } finally {
      globalThis.WebSocket = saved;
    }
  });
});
