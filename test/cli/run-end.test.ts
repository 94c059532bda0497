import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { createClient, type ConfabClient } from '../../src/client/index.ts';
import { waitForRunEnd } from '../../src/cli/run-end.ts';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { runEnded, waitForWatch } from '../client/support/watch-helpers.ts';

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

test('waitForRunEnd resolves for a run that had already ended when it was called', async () => {
  client = createClient({ url: server.url, token: server.token });
  server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Done' }] });
  const { id } = await client.conversations.create({ projectName: 'demo' });
  const watch = client.watch(id);
  try {
    await watch.ready;
    const { run } = await watch.send('Quick one');
    await waitForWatch(watch, runEnded(run.id));
    const ended = await waitForRunEnd(client, watch, (candidate) => candidate.id === run.id);
    assert.equal(ended.id, run.id);
    assert.equal(ended.status, 'completed');
  } finally {
    watch.close();
  }
});

test('waitForRunEnd resolves when the run ends later, and rejects when the conversation is deleted', async () => {
  client = createClient({ url: server.url, token: server.token });
  server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Held' }, { text: ' on' }], holdAfter: 1 });
  const { id } = await client.conversations.create({ projectName: 'demo' });
  const watch = client.watch(id);
  try {
    await watch.ready;
    const { run } = await watch.send('Slow one');
    const ended = waitForRunEnd(client, watch, (candidate) => candidate.id === run.id);
    server.upstream.release();
    assert.equal((await ended).status, 'completed');

    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Never' }, { text: ' ends' }], holdAfter: 1 });
    await watch.send('Another');
    const gone = waitForRunEnd(client, watch, (candidate) => candidate.id === 'run_that_never_exists');
    await client.conversations.delete(id);
    await assert.rejects(gone, (error: any) => error.code === 'not_found');
  } finally {
    watch.close();
  }
});
