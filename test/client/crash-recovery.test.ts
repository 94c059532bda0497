import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClient, messageText, type ConfabEvent, type WatchState } from '../../src/client/index.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import { spawnServe, type SpawnedServe } from '../support/server-fixture.ts';
import { startTcpProxy } from './support/proxies.ts';
import { recordConnection, recordEvents, runEnded, waitForConnection, waitForWatch } from './support/watch-helpers.ts';

const lastText = (state: WatchState) => {
  const message = state.state?.messages.at(-1);
  return message?.role === 'assistant' ? messageText(message) : '';
};

test('the server is killed (SIGKILL) mid-run and restarted on the same data directory: the SDK recovers on its own', async () => {
  const upstream = await startOpenAIUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'confab-sdk-crash-'));
  const projectDir = await mkdtemp(join(tmpdir(), 'confab-sdk-crash-project-'));
  const servers: SpawnedServe[] = [];
  const first = await spawnServe({ dataDir, upstreamUrl: upstream.url });
  servers.push(first);
  // One address for the client across the restart (the new process gets a new port).
  const proxy = await startTcpProxy(first.url);
  const client = createClient({ url: proxy.url, token: first.token, reconnect: { initialDelayMs: 50, maxDelayMs: 200, factor: 2, jitter: 0 } });
  try {
    await client.projects.create({ name: 'demo', path: projectDir });
    const conversationId = (await client.conversations.create({ projectName: 'demo' })).id;
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Partial ' }, { text: 'answer' }, { text: ' lost' }], holdAfter: 2 });
    const watch = client.watch(conversationId);
    const events = recordEvents(watch);
    await waitForWatch(watch, (state) => state.live);
    const { run } = await watch.send('Begin');
    await waitForWatch(watch, (state) => lastText(state) === 'Partial answer');
    // No wait for a checkpoint: what the watcher was shown is in the journal already.
    const connection = recordConnection(client);
    const beforeCrash = events.length;

    await first.kill('SIGKILL');
    await waitForConnection(client, (state) => state.status === 'reconnecting');
    const second = await spawnServe({ dataDir, upstreamUrl: upstream.url });
    servers.push(second);
    assert.equal(second.token, first.token, 'the token file is reused');
    proxy.targetPort = Number(new URL(second.url).port);

    const recovered = await waitForWatch(watch, (state) => state.live && runEnded(run.id)(state), 10_000);
    const afterCrash = events.slice(beforeCrash);
    assert.deepEqual(
      afterCrash.filter((event) => event.type === 'snapshot'),
      [],
      'the cursor from the dead process is replayed from the journal (same epoch), not answered with a snapshot',
    );
    const seqs = events.filter((event) => event.type !== 'snapshot').map((event) => event.seq);
    assert.deepEqual(seqs, seqs.map((_, index) => seqs[0]! + index), 'across the crash: every seq once, in order, no gap');
    assert.ok(afterCrash.some((event) => event.type === 'run-interrupted' && event.runId === run.id), 'recovery is replayed as events');
    assert.equal(recovered.state!.runs.find((candidate) => candidate.id === run.id)!.status, 'interrupted');
    const partial = recovered.state!.messages.at(-1)!;
    assert.equal(partial.status, 'interrupted');
    assert.equal(messageText(partial), 'Partial answer', 'the text the user saw is kept');
    assert.equal(recovered.status, 'idle');
    assert.equal(connection.at(-1)!.status, 'open');

    upstream.enqueue({ kind: 'stream', chunks: [{ text: ', continued.' }] });
    const continued = await watch.continue();
    const final = await waitForWatch(watch, runEnded(continued.run.id));
    assert.equal(lastText(final), 'Partial answer, continued.');
  } finally {
    await client.close();
    for (const server of servers) await server.kill('SIGTERM');
    await proxy.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(projectDir, { recursive: true, force: true });
  }
});
