import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { createClient, type ConfabClient } from '../../src/client/index.ts';
import { messageText } from '../../src/events/apply-event.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { startCluster, type TestCluster } from '../support/cluster-fixture.ts';
import { eventually, testToken, type SpawnedServe } from '../support/server-fixture.ts';

const cluster = await startCluster();
const skip = typeof cluster === 'string' ? cluster : false;

describe('a cluster of processes: send through one node, watch through another, stop through a third', { skip }, () => {
  const c = cluster as TestCluster;
  let nodes: SpawnedServe[];
  const clients: ConfabClient[] = [];
  const client = (node: SpawnedServe) => {
    const made = createClient({ url: node.url, token: testToken, WebSocket: WebSocket as never });
    clients.push(made);
    return made;
  };

  before(async () => {
    nodes = await Promise.all([c.serve(['--no-worker']), c.serve(['--no-worker']), c.serve(['--no-worker'])]);
    await c.worker();
  });
  after(async () => {
    await Promise.all(clients.map((made) => made.close()));
    await c.close();
  });

  it('a watcher on B sees exactly the events A caused and the worker streamed, with the seqs and cursors A reports', async () => {
    const [a, b] = [client(nodes[0]!), client(nodes[1]!)];
    await a.projects.create({ name: 'demo', path: c.projectDir });
    const conversation = await a.conversations.create({ projectName: 'demo', model: 'fake/m1' });
    const watch = b.watch(conversation.id);
    const seen: ConfabEvent[] = [];
    watch.onEvent((event) => seen.push(event));
    await watch.ready;
    c.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hello' }, { text: ' from' }, { text: ' the worker' }] });
    const sent = await a.conversations.send(conversation.id, { content: 'Hi there' });
    const ended = await watch.runEnded(sent.run.id);
    assert.equal(ended.status, 'completed');
    const live = seen.filter((event) => event.type !== 'snapshot');
    assert.deepEqual(live.map((event) => event.seq), live.map((_, index) => live[0]!.seq + index), 'seqs without a gap or a repeat');
    assert.deepEqual(
      live.filter((event) => event.type === 'part-delta').map((event) => (event.data as { delta: string }).delta),
      ['Hello', ' from', ' the worker'],
    );
    // The same history through A: a late watcher replays from B's first cursor and gets the same events.
    const late = a.watch(conversation.id);
    await late.ready;
    await eventually(() => late.lastSeq >= watch.lastSeq, 10_000, 'A to catch up');
    assert.equal(late.cursor, watch.cursor);
    const detail = await client(nodes[2]!).conversations.get(conversation.id);
    assert.deepEqual(detail.messages.map((message) => [message.role, messageText(message)]), [
      ['user', 'Hi there'],
      ['assistant', 'Hello from the worker'],
    ]);
    assert.equal(detail.runs.at(-1)!.status, 'completed');
  });

  it('a stop sent through C ends the run the worker executes; A and B see the same run-stopped', async () => {
    const [a, b, third] = [client(nodes[0]!), client(nodes[1]!), client(nodes[2]!)];
    const conversation = await a.conversations.create({ projectName: 'demo', model: 'fake/m1' });
    const watchA = a.watch(conversation.id);
    const watchB = b.watch(conversation.id);
    await Promise.all([watchA.ready, watchB.ready]);
    c.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Partial' }, { text: ' text' }, { text: ' never sent' }], holdAfter: 2 });
    const sent = await a.conversations.send(conversation.id, { content: 'Go on' });
    await eventually(() => messageText(watchB.state?.messages.at(-1) ?? { parts: [] }) === 'Partial text', 15_000, 'the partial text on B');
    const stopped = await third.conversations.stop(conversation.id);
    assert.equal(stopped.run?.id, sent.run.id);
    assert.equal(stopped.run?.status, 'stopped');
    const [endA, endB] = await Promise.all([watchA.runEnded(sent.run.id), watchB.runEnded(sent.run.id)]);
    assert.deepEqual(endA, endB);
    assert.equal(endA.status, 'stopped');
    await eventually(() => watchA.lastSeq === watchB.lastSeq, 10_000, 'both watchers at the same seq');
    assert.equal(watchA.cursor, watchB.cursor);
    assert.deepEqual(watchA.state, watchB.state);
    const stored = await third.conversations.get(conversation.id);
    assert.equal(messageText(stored.messages.at(-1)!), 'Partial text');
    assert.equal(stored.runs.at(-1)!.status, 'stopped');
  });
});
