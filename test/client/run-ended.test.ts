import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { createClient, type ConfabClient } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { runEnded, waitForWatch } from './support/watch-helpers.ts';

let server: TestServer;
let client: ConfabClient | undefined;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function openWatch() {
  client ??= createClient({ url: server.url, token: server.token });
  const { id } = await client.conversations.create({ projectName: 'demo' });
  const watch = client.watch(id);
  await watch.ready;
  return { id, watch };
}

describe('watch.runEnded', () => {
  test('resolves for a run that had already ended when it was called', async () => {
    const { watch } = await openWatch();
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Done' }] });
    const { run } = await watch.send('Quick one');
    await waitForWatch(watch, runEnded(run.id));
    const ended = await watch.runEnded(run.id);
    assert.equal(ended.id, run.id);
    assert.equal(ended.status, 'completed');
    watch.close();
  });

  test('resolves when the run ends later, with its final status', async () => {
    const { watch } = await openWatch();
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Held' }, { text: ' on' }], holdAfter: 1 });
    const { run } = await watch.send('Slow one');
    const ended = watch.runEnded(run.id);
    await watch.stop(run.id);
    assert.equal((await ended).status, 'stopped');
    watch.close();
  });

  test('rejects when the conversation is deleted, and when the watch is closed', async () => {
    const { id, watch } = await openWatch();
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Never' }, { text: ' ends' }], holdAfter: 1 });
    const { run } = await watch.send('Another');
    const gone = watch.runEnded('run_that_never_exists');
    await client!.conversations.delete(id);
    await assert.rejects(gone, { code: 'not_found' });
    void run;
    watch.close();

    const second = await openWatch();
    const waiting = second.watch.runEnded('run_that_never_exists');
    second.watch.close();
    await assert.rejects(waiting, { code: 'closed' });
    await assert.rejects(second.watch.runEnded('run_x'), { code: 'closed' });
  });
});
