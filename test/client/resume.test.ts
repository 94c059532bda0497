import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { createClient, messageText, type ConfabClient, type TransportMode, type WatchState } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { startTcpProxy, type TcpProxy } from './support/proxies.ts';
import { recordConnection, recordEvents, runEnded, transcript, waitForConnection, waitForSameSeq, waitForWatch } from './support/watch-helpers.ts';

let server: TestServer;
let proxy: TcpProxy;
const clients: ConfabClient[] = [];

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await proxy?.close();
});

const fastReconnect = { initialDelayMs: 20, maxDelayMs: 200, factor: 2, jitter: 0 };

function client(url: string, transport: TransportMode = 'auto'): ConfabClient {
  const created = createClient({ url, token: server.token, transport, reconnect: fastReconnect });
  clients.push(created);
  return created;
}

const lastText = (state: WatchState) => {
  const message = state.state?.messages.at(-1);
  return message?.role === 'assistant' ? messageText(message) : '';
};

const chunks = ['The ', 'quick ', 'brown ', 'fox ', 'jumps ', 'over ', 'the ', 'lazy ', 'dog.'];

for (const transport of ['websocket', 'sse'] as const) {
  describe(`resume over ${transport}`, () => {
    test('the connection is cut mid-stream; the SDK reconnects and ends with a transcript identical, event by event, to an uninterrupted watcher\'s', async () => {
      proxy = await startTcpProxy(server.url);
      const steadyClient = client(server.url, transport);
      const flakyClient = client(proxy.url, transport);
      const conversationId = (await steadyClient.conversations.create({ projectName: 'demo' })).id;
      server.upstream.enqueue({ kind: 'stream', chunks: chunks.map((text) => ({ text })), holdAfter: 3 });

      const steady = steadyClient.watch(conversationId);
      const flaky = flakyClient.watch(conversationId);
      const steadyEvents = recordEvents(steady);
      const flakyEvents = recordEvents(flaky);
      await Promise.all([waitForWatch(steady, (state) => state.live), waitForWatch(flaky, (state) => state.live)]);
      assert.equal(steady.lastSeq, flaky.lastSeq);
      const connectionStates = recordConnection(flakyClient);

      const { run } = await flaky.send('Tell me about the fox');
      await waitForWatch(flaky, (state) => lastText(state) === chunks.slice(0, 3).join(''));
      const seenBeforeCut = flakyEvents.length;

      // The network drops, and stays down while the run goes on.
      proxy.refuse = true;
      proxy.cutAll();
      await waitForConnection(flakyClient, (state) => state.status === 'reconnecting');
      assert.equal(flaky.current.live, false);
      server.upstream.release();
      await waitForWatch(steady, runEnded(run.id));
      await waitForConnection(flakyClient, (state) => state.status === 'reconnecting' && state.attempt >= 3);
      assert.equal(flakyEvents.length, seenBeforeCut, 'nothing arrived while disconnected');

      await waitForWatch(steady, (state) => state.state!.conversation.usage.outputTokens > 0);
      proxy.refuse = false;
      await waitForWatch(flaky, (state) => state.live);
      await waitForSameSeq([flaky, steady]);

      assert.ok(flakyEvents.length > seenBeforeCut, 'events that happened during the outage were replayed');
      assert.deepEqual(transcript(flakyEvents), transcript(steadyEvents));
      assert.ok(!flakyEvents.some((event) => event.type === 'snapshot'), 'a replay from the cursor, not a snapshot');
      assert.deepEqual(flaky.state, steady.state);
      assert.equal(messageText(flaky.state!.messages.at(-1)!), chunks.join(''));
      assert.equal(flaky.status, 'idle');

      const statuses = connectionStates.map((state) => `${state.status}:${state.attempt}`);
      assert.equal(statuses[0], 'reconnecting:1');
      assert.equal(statuses.at(-1), 'open:0');
      assert.ok(statuses.includes('reconnecting:3'));
      const delays = connectionStates.filter((state) => state.nextDelayMs !== null).map((state) => state.nextDelayMs);
      assert.deepEqual(delays.slice(0, 3), [20, 40, 80], 'exponential backoff');
      assert.equal(flakyClient.connection.transport, transport);
    });

    test('a send cut off by a dropped connection is retried with the same clientRequestId: exactly one message and one run', async () => {
      proxy = await startTcpProxy(server.url);
      // Record the send attempts on the wire: WebSocket frames, or REST posts over SSE.
      const attempts: string[] = [];
      class RecordingWebSocket extends WebSocket {
        override send(data: string): void {
          if (data.includes('"type":"send"')) attempts.push(JSON.parse(data).clientRequestId);
          super.send(data);
        }
      }
      const flakyClient = createClient({
        url: proxy.url,
        token: server.token,
        transport,
        reconnect: fastReconnect,
        WebSocket: RecordingWebSocket,
        fetch: (input, init) => {
          if (input.endsWith('/messages')) attempts.push(JSON.parse(String(init?.body)).clientRequestId);
          return fetch(input, init);
        },
      });
      clients.push(flakyClient);
      const conversationId = (await flakyClient.conversations.create({ projectName: 'demo' })).id;
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'once' }] });
      const watch = flakyClient.watch(conversationId);
      await waitForWatch(watch, (state) => state.live);

      const content = `only once over ${transport}`;
      const sending = watch.send(content, { clientRequestId: `cut-${transport}` });
      proxy.refuse = true;
      proxy.cutAll();
      await new Promise((resolve) => setTimeout(resolve, 50));
      proxy.refuse = false;
      const { run } = await sending;
      const final = await waitForWatch(watch, runEnded(run.id));

      assert.deepEqual(final.state!.messages.map((message) => [message.role, messageText(message)]), [
        ['user', content],
        ['assistant', 'once'],
      ]);
      assert.equal(run.clientRequestId, `cut-${transport}`);
      assert.deepEqual(attempts, [`cut-${transport}`, `cut-${transport}`], 'the first attempt was cut off and sent again after reconnecting');
      const matching = server.upstream.requests.filter((request) => JSON.stringify(request.body.messages).includes(content));
      assert.equal(matching.length, 1, JSON.stringify(matching.map((request) => request.body.messages)));
    });
  });
}
