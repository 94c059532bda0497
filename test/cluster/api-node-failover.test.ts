import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { nodeApi as api, startCluster, type TestCluster } from '../support/cluster-fixture.ts';
import { eventually, testToken } from '../support/server-fixture.ts';
import { openSse } from '../support/sse-client.ts';

const cluster = await startCluster();
const skip = typeof cluster === 'string' ? cluster : false;
const auth = { authorization: `Bearer ${testToken}` };

const deltas = (events: ConfabEvent[]) => events.filter((event) => event.type === 'part-delta').map((event) => (event.data as { delta: string }).delta);

describe('a cluster of processes: an API node dies while a client streams', { skip, timeout: 240_000 }, () => {
  const c = cluster as TestCluster;
  after(() => c.close());

  it('the client resumes on another node from its last cursor: the events it missed, then live ones, no gap and no duplicate', async () => {
    const [a, b] = await Promise.all([c.serve(['--no-worker']), c.serve(['--no-worker'])]);
    await c.worker();
    await api(a.url, 'POST', '/v1/projects', { name: 'demo', path: c.projectDir });
    const { conversation } = await api(a.url, 'POST', '/v1/conversations', { projectName: 'demo', model: 'fake/m1' });
    const words = ['one', ' two', ' three', ' four', ' five', ' six'];
    c.upstream.enqueue({ kind: 'stream', chunks: words.map((text) => ({ text })), holdAfter: 3 });
    const first = await openSse(`${a.url}/v1/conversations/${conversation.id}/events`, auth);
    await api(a.url, 'POST', `/v1/conversations/${conversation.id}/messages`, { content: 'Count' });
    await first.waitFor((event) => event.type === 'part-delta' && (event.data as { delta: string }).delta === ' three', 30_000);
    const seenOnA = first.events();
    const lastCursor = seenOnA.at(-1)!.cursor;
    assert.deepEqual(await a.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
    first.close();

    // The run goes on while the client is away: the rest of the answer is streamed and the run ends.
    c.upstream.release();
    const second = await openSse(`${b.url}/v1/conversations/${conversation.id}/events`, { ...auth, 'last-event-id': lastCursor });
    await second.waitFor((event) => event.type === 'run-completed', 30_000);
    const seenOnB = second.events();
    second.close();

    assert.notEqual(seenOnB[0]!.type, 'snapshot', 'a replay, not a snapshot');
    const all = [...seenOnA, ...seenOnB].filter((event) => event.type !== 'snapshot');
    assert.deepEqual(all.map((event) => event.seq), all.map((_, index) => all[0]!.seq + index), 'consecutive seqs across the two nodes');
    assert.deepEqual([...deltas(seenOnA), ...deltas(seenOnB)], words);
    await eventually(async () => (await api(b.url, 'GET', `/v1/conversations/${conversation.id}`)).runs.at(-1).status === 'completed', 10_000, 'the stored run');
  });
});
