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

/** Deltas per run, in the order a watcher saw them. */
function deltasByRun(events: ConfabEvent[]): Map<string, string> {
  const text = new Map<string, string>();
  for (const event of events) if (event.type === 'part-delta' && event.runId) text.set(event.runId, (text.get(event.runId) ?? '') + (event.data as { delta: string }).delta);
  return text;
}

describe('a cluster of processes: a worker lost mid-run', { skip, timeout: 240_000 }, () => {
  const c = cluster as TestCluster;
  let api: SpawnedServe;
  let client: ConfabClient;

  before(async () => {
    api = await c.serve(['--no-worker']);
    client = createClient({ url: api.url, token: testToken, WebSocket: WebSocket as never });
    await client.projects.create({ name: 'demo', path: c.projectDir });
  });
  after(async () => {
    await client?.close();
    await c.close();
  });

  /** One worker streams a held answer; a second one joins; returns what a watcher saw so far. */
  async function heldRunOnFirstWorker() {
    const first = await c.worker(['--concurrency', '2']);
    const conversation = await client.conversations.create({ projectName: 'demo', model: 'fake/m1' });
    const watch = client.watch(conversation.id);
    const seen: ConfabEvent[] = [];
    watch.onEvent((event) => seen.push(event));
    await watch.ready;
    c.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Partial' }, { text: ' text' }, { text: ' from the lost worker' }], holdAfter: 2 });
    const sent = await client.conversations.send(conversation.id, { content: 'Tell me' });
    await eventually(() => messageText(watch.state?.messages.at(-1) ?? { parts: [] }) === 'Partial text', 20_000, 'the partial text');
    const second = await c.worker(['--concurrency', '2']);
    return { first, second, conversationId: conversation.id, watch, seen, runId: sent.run.id };
  }

  it('SIGKILL: another worker takes the run over within 15 s, ends it interrupted with its partial kept, and continues it once', async () => {
    const { first, second, conversationId, watch, seen, runId } = await heldRunOnFirstWorker();
    c.upstream.enqueue({ kind: 'stream', chunks: [{ text: ', continued' }, { text: ' elsewhere.' }] });
    const killedAt = Date.now();
    assert.deepEqual(await first.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
    const interrupted = await watch.runEnded(runId);
    const takeOverMs = Date.now() - killedAt;
    assert.equal(interrupted.status, 'interrupted');
    assert.ok(takeOverMs < 15_000, `taken over ${takeOverMs} ms after the kill`);
    // The continue run is queued once the interruption is recorded, in a later flush.
    const isContinue = (event: ConfabEvent) => event.type === 'run-queued' && event.runId !== runId;
    await eventually(() => seen.some(isContinue), 15_000, 'a continue run queued');
    const continued = seen.find(isContinue)!;
    const ended = await watch.runEnded(continued.runId!);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.trigger, 'continue');

    const detail = await client.conversations.get(conversationId);
    assert.deepEqual(detail.messages.map((message) => [message.role, messageText(message), message.status]), [
      ['user', 'Tell me', 'completed'],
      ['assistant', 'Partial text, continued elsewhere.', 'completed'],
    ]);
    // Nothing shown twice: each run's deltas appear once, and the watcher's seqs have no gap or repeat.
    assert.deepEqual([...deltasByRun(seen).values()], ['Partial text', ', continued elsewhere.']);
    const live = seen.filter((event) => event.type !== 'snapshot');
    assert.deepEqual(live.map((event) => event.seq), live.map((_, index) => live[0]!.seq + index));
    // The continued run sent the partial message back as the assistant's turn to carry on from.
    const lastRequest = c.upstream.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
    assert.equal(lastRequest.messages.at(-1)!.role, 'assistant');
    watch.close();
    // Graceful: nothing running, so it stops at once.
    assert.deepEqual(await second.kill('SIGTERM'), { code: 0, signal: null });
  });

  it('a frozen worker (SIGSTOP) is replaced; once it wakes (SIGCONT) its writes are refused: nothing it streams after the take-over lands', async () => {
    const { first, second, conversationId, watch, seen, runId } = await heldRunOnFirstWorker();
    c.upstream.enqueue({ kind: 'stream', chunks: [{ text: ' - resumed by the second worker.' }] });
    first.child.kill('SIGSTOP');
    try {
      const interrupted = await watch.runEnded(runId);
      assert.equal(interrupted.status, 'interrupted', seen.map((event) => `${event.seq} ${event.type} ${event.runId}`).join('\n'));
      const isContinue = (event: ConfabEvent) => event.type === 'run-queued' && event.runId !== runId;
    await eventually(() => seen.some(isContinue), 15_000, 'a continue run queued');
    const continued = seen.find(isContinue)!;
      assert.equal((await watch.runEnded(continued.runId!)).status, 'completed');
    } finally {
      first.child.kill('SIGCONT');
    }
    const settledSeq = watch.lastSeq;
    // The zombie's held stream goes on: it tries to append the rest of its answer under its old
    // claim. Its graceful shutdown waits for that run to end, so once it exited it wrote all it would.
    c.upstream.release();
    assert.deepEqual(await first.kill('SIGTERM'), { code: 0, signal: null });
    assert.equal(watch.lastSeq, settledSeq, 'no event appended by the woken worker');
    const detail = await client.conversations.get(conversationId);
    assert.equal(messageText(detail.messages.at(-1)!), 'Partial text - resumed by the second worker.');
    assert.ok(!JSON.stringify(detail).includes('from the lost worker'));
    assert.deepEqual(await second.kill('SIGTERM'), { code: 0, signal: null });
    watch.close();
  });
});
