import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { createClient, messageText, type ConfabClient, type TransportMode } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { recordEvents, runEnded, transcript, waitForSameSeq, waitForWatch } from './support/watch-helpers.ts';

let server: TestServer;
const clients: ConfabClient[] = [];

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

function client(transport: TransportMode = 'auto'): ConfabClient {
  const created = createClient({ url: server.url, token: server.token, transport });
  clients.push(created);
  return created;
}

describe('two clients on one conversation', () => {
  for (const [first, second] of [['websocket', 'websocket'], ['websocket', 'sse']] as const) {
    test(`both see identical events, event by event (${first} and ${second})`, async () => {
      const alice = client(first);
      const bob = client(second);
      const conversationId = (await alice.conversations.create({ projectName: 'demo' })).id;
      server.upstream.enqueue(
        { kind: 'stream', chunks: [{ reasoning: 'Thinking.' }, { text: 'One, ' }, { text: 'two.' }], delayMs: 3 },
        { kind: 'stream', chunks: [{ text: 'Three.' }] },
      );
      const aliceWatch = alice.watch(conversationId);
      const bobWatch = bob.watch(conversationId);
      const aliceEvents = recordEvents(aliceWatch);
      const bobEvents = recordEvents(bobWatch);
      await Promise.all([waitForWatch(aliceWatch, (state) => state.live), waitForWatch(bobWatch, (state) => state.live)]);

      const firstRun = await aliceWatch.send('Count');
      await waitForWatch(bobWatch, runEnded(firstRun.run.id));
      const secondRun = await bobWatch.send('Go on');
      await waitForWatch(aliceWatch, runEnded(secondRun.run.id));
      // The conversation's usage totals follow each run's end.
      await waitForWatch(aliceWatch, (state) => state.state!.conversation.usage.outputTokens === 4);
      await waitForSameSeq([aliceWatch, bobWatch]);

      assert.ok(aliceEvents.length > 10);
      assert.deepEqual(transcript(bobEvents), transcript(aliceEvents));
      assert.deepEqual(bobWatch.state, aliceWatch.state);
      assert.deepEqual(aliceWatch.state!.messages.map((message) => messageText(message)), ['Count', 'One, two.', 'Go on', 'Three.']);
      assert.equal(aliceWatch.state!.messages[1].parts[0].kind, 'reasoning');
    });
  }

  test('a stop from a second client ends the first client\'s run, and both see it end', async () => {
    const alice = client();
    const bob = client();
    const conversationId = (await alice.conversations.create({ projectName: 'demo' })).id;
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'This will ' }, { text: 'never finish' }], holdAfter: 1 });
    const aliceWatch = alice.watch(conversationId);
    const bobWatch = bob.watch(conversationId);
    await Promise.all([waitForWatch(aliceWatch, (state) => state.live), waitForWatch(bobWatch, (state) => state.live)]);

    const { run } = await aliceWatch.send('Write forever');
    await waitForWatch(bobWatch, (state) => state.activeRun?.id === run.id && messageText(state.state!.messages.at(-1)!) === 'This will ');
    const stopped = await bobWatch.stop();
    assert.equal(stopped.run?.id, run.id, 'bob stopped the run alice started, without naming it');
    assert.equal(stopped.run?.status, 'stopped');

    const aliceFinal = await waitForWatch(aliceWatch, runEnded(run.id));
    assert.equal(aliceFinal.status, 'idle');
    assert.equal(aliceFinal.activeRun, null);
    const assistant = aliceFinal.state!.messages.at(-1)!;
    assert.equal(assistant.status, 'stopped');
    assert.equal(messageText(assistant), 'This will ', 'the partial text is kept');
    assert.equal(aliceFinal.state!.runs.find((candidate) => candidate.id === run.id)!.finishReason, 'stopped');
    await server.upstream.waitForAborts(1);
  });
});
