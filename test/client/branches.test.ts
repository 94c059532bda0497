/**
 * The client SDK and branches, against a real server: a watch regenerates a reply, moves between
 * the replies with `selectBranch`, edits and resends a message (`send` with `parentId`), and
 * `activeBranch` over its state gives the branch shown — over WebSocket and over SSE.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { activeBranch, createClient, messageText, siblingsOf, branchTree, type ConfabClient, type ConversationState } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { runEnded, waitForWatch } from './support/watch-helpers.ts';

let server: TestServer;
let client: ConfabClient;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});
afterEach(async () => {
  await client?.close();
});

const shown = (state: ConversationState | null) => activeBranch(state!.messages, state!.conversation.activeMessageId).map(messageText);

for (const transport of ['websocket', 'sse'] as const) {
  describe(`branches through the SDK (${transport})`, () => {
    test('regenerate, move between replies, edit and resend', async () => {
      client = createClient({ url: server.url, token: server.token, transport });
      server.upstream.enqueue(...['first', 'second', 'edited'].map((text) => ({ kind: 'stream' as const, chunks: [{ text }] })));
      const conversationId = (await client.conversations.create({ projectName: 'demo' })).id;
      const watch = client.watch(conversationId);
      await waitForWatch(watch, (state) => state.live);
      await waitForWatch(watch, runEnded((await watch.send('Hi')).run.id));
      const [user, first] = watch.state!.messages;

      await waitForWatch(watch, runEnded((await watch.regenerate(first.id)).run.id));
      assert.deepEqual(shown(watch.state), ['Hi', 'second']);
      const tree = branchTree(watch.state!.messages);
      assert.deepEqual(siblingsOf(first.id, tree).siblings.map(messageText), ['first', 'second']);

      await watch.selectBranch(first.id);
      const back = await waitForWatch(watch, (state) => state.state?.conversation.activeMessageId === first.id);
      assert.deepEqual(shown(back.state), ['Hi', 'first']);

      await waitForWatch(watch, runEnded((await watch.send('Hello', { parentId: null })).run.id));
      assert.deepEqual(shown(watch.state), ['Hello', 'edited']);
      assert.equal(watch.state!.messages.length, 5);
      assert.equal(user.parentId, null);
      await assert.rejects(watch.selectBranch('msg_missing'), (error: { code?: string }) => error.code === 'not_found');
      watch.close();
    });
  });
}
