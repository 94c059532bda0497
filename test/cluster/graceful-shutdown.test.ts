import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { nodeApi as api, startCluster, type TestCluster } from '../support/cluster-fixture.ts';
import { eventually, testToken } from '../support/server-fixture.ts';
import { connectWs } from '../support/ws-client.ts';
import { messageText, shownDeltas, watchSse, type Watcher } from '../reliability/delta-watchers.ts';

/**
 * Graceful shutdown (SIGTERM) in a cluster: an API node with watchers tells them (WebSocket 1001,
 * SSE ended) and they resume on another node exactly; a worker with a run lets it finish within
 * `--shutdown-grace`, or hands it back: interrupted with its partial kept, continued by another worker.
 */

const cluster = await startCluster();
const skip = typeof cluster === 'string' ? cluster : false;
const words = ['one', ' two', ' three', ' four', ' five', ' six'];

describe('a cluster of processes: graceful shutdown', { skip, timeout: 300_000 }, () => {
  const c = cluster as TestCluster;
  after(() => c.close());

  it('an API node SIGTERMed mid-reply closes WebSockets with 1001 and ends SSE streams; both resume on another node from their cursors, exactly', async () => {
    const [a, b] = await Promise.all([c.serve(['--no-worker']), c.serve(['--no-worker'])]);
    const worker = await c.worker();
    await api(a.url, 'POST', '/v1/projects', { name: 'demo', path: c.projectDir });
    const { conversation } = await api(a.url, 'POST', '/v1/conversations', { projectName: 'demo', model: 'fake/m1' });
    c.upstream.enqueue({ kind: 'stream', chunks: words.map((text) => ({ text })), holdAfter: 3 });
    const sse = await watchSse(a, conversation.id);
    const ws = await connectWs(a.url, { authorization: `Bearer ${testToken}` });
    ws.socket.on('error', () => {});
    assert.equal((await ws.request({ type: 'subscribe', conversationId: conversation.id })).type, 'ack');
    const { run } = await api(a.url, 'POST', `/v1/conversations/${conversation.id}/messages`, { content: 'Count' });
    await eventually(() => shownDeltas(sse, run.id).deltas.length === 3 && ws.frames.filter((frame) => frame.type === 'part-delta').length === 3, 30_000, 'three words on both');

    assert.deepEqual(await a.kill('SIGTERM'), { code: 0, signal: null });
    assert.equal((await ws.closed).code, 1001, 'going away');
    await sse.ended(5_000);
    c.upstream.release();
    const wsSeen = ws.frames.filter((frame) => typeof frame.seq === 'number');
    const before: { name: string; last: any; text: string }[] = [
      { name: 'sse', last: sse.seen.at(-1)!.event, text: shownDeltas(sse, run.id).text },
      { name: 'ws', last: wsSeen.at(-1), text: wsSeen.filter((frame) => frame.type === 'part-delta').map((frame) => frame.data.delta).join('') },
    ];
    for (const { name, last, text } of before) {
      const resumed: Watcher = await watchSse(b, conversation.id, last.cursor);
      await eventually(() => resumed.seen.some(({ event }) => event.type === 'run-completed'), 30_000, `${name} resumed on B`);
      resumed.close();
      const events = resumed.seen.map(({ event }) => event);
      assert.notEqual(events[0].type, 'snapshot', `${name}: a replay, not a snapshot`);
      assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => last.seq + 1 + index), `${name}: the events right after its cursor`);
      assert.equal(text + shownDeltas(resumed, run.id).text, words.join(''), `${name}: no gap and no duplicate`);
    }
    assert.deepEqual(await worker.kill('SIGTERM'), { code: 0, signal: null });
  });

  it('a worker SIGTERMed mid-run lets it finish within its grace', async () => {
    const api1 = await c.serve(['--no-worker']);
    const worker = await c.worker(['--shutdown-grace', '60s']);
    const { conversation } = await api(api1.url, 'POST', '/v1/conversations', { projectName: 'demo', model: 'fake/m1' });
    c.upstream.enqueue({ kind: 'stream', chunks: words.map((text) => ({ text })), holdAfter: 2 });
    const watch = await watchSse(api1, conversation.id);
    const { run } = await api(api1.url, 'POST', `/v1/conversations/${conversation.id}/messages`, { content: 'Count' });
    await eventually(() => shownDeltas(watch, run.id).deltas.length === 2, 30_000, 'two words');
    const exited = worker.kill('SIGTERM');
    // The worker is draining: the held stream goes on and the run completes on it.
    setTimeout(() => c.upstream.release(), 500);
    assert.deepEqual(await exited, { code: 0, signal: null });
    const detail = await api(api1.url, 'GET', `/v1/conversations/${conversation.id}`);
    assert.equal(detail.runs.at(-1).status, 'completed');
    assert.equal(messageText(detail.messages.at(-1)), words.join(''));
    assert.equal(shownDeltas(watch, run.id).text, words.join(''));
    watch.close();
  });

  it('a worker SIGTERMed with a run it cannot finish within its grace hands it back: interrupted, partial kept, continued by another worker', async () => {
    const api1 = await c.serve(['--no-worker']);
    const first = await c.worker(['--shutdown-grace', '1s']);
    const { conversation } = await api(api1.url, 'POST', '/v1/conversations', { projectName: 'demo', model: 'fake/m1' });
    c.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Partial' }, { text: ' text' }, { text: ' never sent' }], holdAfter: 2 });
    const watch = await watchSse(api1, conversation.id);
    const { run } = await api(api1.url, 'POST', `/v1/conversations/${conversation.id}/messages`, { content: 'Tell me' });
    await eventually(() => shownDeltas(watch, run.id).text === 'Partial text', 30_000, 'the partial');
    const second = await c.worker();
    c.upstream.enqueue({ kind: 'stream', chunks: [{ text: ', continued' }, { text: ' elsewhere.' }] });
    assert.deepEqual(await first.kill('SIGTERM'), { code: 0, signal: null });
    const ended = watch.seen.map(({ event }) => event).find((event) => event.runId === run.id && event.type.startsWith('run-') && event.type !== 'run-started' && event.type !== 'run-queued');
    assert.equal(ended?.type, 'run-interrupted');
    await eventually(() => watch.seen.some(({ event }) => event.type === 'run-completed'), 30_000, 'the continue run');
    const detail = await api(api1.url, 'GET', `/v1/conversations/${conversation.id}`);
    assert.equal(detail.runs.at(-1).trigger, 'continue');
    assert.deepEqual(detail.messages.map((message: any) => [message.role, messageText(message), message.status]), [
      ['user', 'Tell me', 'completed'],
      ['assistant', 'Partial text, continued elsewhere.', 'completed'],
    ]);
    const live = watch.seen.map(({ event }) => event).filter((event) => event.type !== 'snapshot');
    assert.deepEqual(live.map((event) => event.seq), live.map((_, index) => live[0].seq + index), 'consecutive seqs');
    watch.close();
    assert.deepEqual(await second.kill('SIGTERM'), { code: 0, signal: null });
  });
});
