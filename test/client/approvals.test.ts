/**
 * The client SDK and approvals, against a real server: a watch shows the pending approval and the
 * `requires-action` status (live and after a fresh load), and answers it over WebSocket or SSE.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { createClient, type ConfabClient } from '../../src/client/index.ts';
import type { UpstreamResponse } from '../peers/upstream-script.ts';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { runEnded, waitForWatch } from './support/watch-helpers.ts';

let server: TestServer;
let client: ConfabClient;

before(async () => {
  server = await startTestServer({ approvals: { tools: ['read_file'] } });
});
after(async () => {
  await server.close();
});
afterEach(async () => {
  await client?.close();
});

const readCall: UpstreamResponse = { kind: 'stream', chunks: [{ toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] };

for (const transport of ['websocket', 'sse'] as const) {
  describe(`approvals through the SDK (${transport})`, () => {
    test('the watch shows the pending approval and requires-action; approve answers it and the run completes', async () => {
      client = createClient({ url: server.url, token: server.token, transport });
      server.upstream.enqueue(readCall, { kind: 'stream', chunks: [{ text: 'done' }] });
      const conversationId = (await client.conversations.create({ projectName: 'demo' })).id;
      const watch = client.watch(conversationId);
      await waitForWatch(watch, (state) => state.live);
      const { run } = await watch.send('read my notes');
      const waiting = await waitForWatch(watch, (state) => state.approvals.length === 1 && state.status === 'requires-action');
      assert.deepEqual([waiting.approvals[0].toolName, waiting.approvals[0].input], ['read_file', { path: 'notes.txt' }]);
      assert.equal(waiting.activeRun, null, 'nothing runs while it waits');

      // A second client that loads the conversation now sees the same approval.
      const late = createClient({ url: server.url, token: server.token, transport });
      try {
        const lateWatch = late.watch(conversationId);
        await lateWatch.ready;
        assert.deepEqual(lateWatch.approvals, waiting.approvals);
        assert.equal(lateWatch.status, 'requires-action');
        const { approval } = await lateWatch.approve(waiting.approvals[0].id, 'allow-once');
        assert.equal(approval.status, 'allowed');
      } finally {
        await late.close();
      }
      const final = await waitForWatch(watch, runEnded(run.id));
      assert.deepEqual(final.approvals, []);
      assert.equal(final.status, 'idle');
      await assert.rejects(watch.approve(waiting.approvals[0].id, 'deny'), (error: { code?: string }) => error.code === 'approval_closed');
    });
  });
}

test('client.approve answers over REST', async () => {
  client = createClient({ url: server.url, token: server.token });
  server.upstream.enqueue(readCall, { kind: 'stream', chunks: [{ text: 'no then' }] });
  const conversationId = (await client.conversations.create({ projectName: 'demo' })).id;
  const watch = client.watch(conversationId);
  await waitForWatch(watch, (state) => state.live);
  const { run } = await watch.send('read my notes');
  const waiting = await waitForWatch(watch, (state) => state.approvals.length === 1);
  const { approval } = await client.approve(conversationId, waiting.approvals[0].id, { decision: 'deny-always', note: 'never' });
  assert.deepEqual([approval.status, approval.decision, approval.note], ['denied', 'deny-always', 'never']);
  const final = await waitForWatch(watch, runEnded(run.id));
  assert.deepEqual(final.state?.conversation.toolRules, { read_file: 'deny' });
});
