import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { nodeApi as api, startCluster, type TestCluster } from '../support/cluster-fixture.ts';
import { testToken, type SpawnedConfab, type SpawnedServe } from '../support/server-fixture.ts';
import { openSse, type SseConnection } from '../support/sse-client.ts';
import { seeded } from '../reliability/support.ts';

/**
 * Ten SIGKILLs in a row across a cluster (issue 10): nine of the worker that holds a reply
 * mid-stream, one of an API node a watcher streams through. One conversation throughout, watched
 * through both API nodes; each kill comes after a random number of chunks (seeded, printed).
 */

const cluster = await startCluster();
const skip = typeof cluster === 'string' ? cluster : false;
const auth = { authorization: `Bearer ${testToken}` };
const rounds = 10;
const apiNodeRound = 6;

const deltaText = (events: ConfabEvent[]) =>
  events
    .filter((event) => event.type === 'part-delta')
    .map((event) => (event.data as { delta: string }).delta)
    .join('');
const nonSnapshot = (events: ConfabEvent[]) => events.filter((event) => event.type !== 'snapshot');
const ended = (runId: string) => (event: ConfabEvent) => event.runId === runId && /^run-(completed|interrupted|failed|stopped)$/.test(event.type);

describe('a cluster of processes: ten SIGKILLs in a row mid-reply', { skip, timeout: 900_000 }, () => {
  const c = cluster as TestCluster;
  after(() => c.close());

  it('each run is taken over (or, for the API node, resumed on a new node); every watcher ends with exactly the stored text; seqs have no gap or repeat', async () => {
    const seed = Number(process.env.CONFAB_TEST_SEED ?? Date.now() % 100_000);
    console.log(`kill loop seed ${seed} (CONFAB_TEST_SEED to replay)`);
    const random = seeded(seed);
    let [a, b] = await Promise.all([c.serve(['--no-worker']), c.serve(['--no-worker'])]);
    let worker: SpawnedConfab = await c.worker(['--concurrency', '2']);
    await api(a.url, 'POST', '/v1/projects', { name: 'demo', path: c.projectDir });
    const { conversation } = await api(a.url, 'POST', '/v1/conversations', { projectName: 'demo', model: 'fake/m1' });
    const eventsUrl = (node: SpawnedServe) => `${node.url}/v1/conversations/${conversation.id}/events`;
    const watchA = await openSse(eventsUrl(a), auth);
    /** B's watcher, across the API node's death: the connections in order. */
    const watchB: SseConnection[] = [await openSse(eventsUrl(b), auth)];
    const expected: string[] = [];
    const takeOverMs: number[] = [];

    for (let round = 1; round <= rounds; round++) {
      const words = [`r${round}.1`, ` r${round}.2`, ` r${round}.3`, ` r${round}.4`];
      const shown = 1 + Math.floor(random() * 3);
      c.upstream.enqueue({ kind: 'stream', chunks: words.map((text) => ({ text })), holdAfter: shown });
      const { run } = await api(a.url, 'POST', `/v1/conversations/${conversation.id}/messages`, { content: `round ${round}` });
      const partial = words.slice(0, shown).join('');
      await watchA.waitFor((event) => event.runId === run.id && event.type === 'part-delta' && deltaText(watchA.events().filter((seen) => seen.runId === run.id)) === partial, 60_000);

      if (round === apiNodeRound) {
        // The API node B dies mid-reply; B's watcher resumes on a new node from the last cursor it
        // received (read once its connection is closed: events can still arrive while B is killed).
        assert.deepEqual(await b.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
        watchB.at(-1)!.close();
        const cursor = watchB.at(-1)!.events().at(-1)!.cursor;
        c.upstream.release();
        b = await c.serve(['--no-worker']);
        const resumed = await openSse(eventsUrl(b), { ...auth, 'last-event-id': cursor });
        watchB.push(resumed);
        await resumed.waitFor(ended(run.id), 60_000);
        assert.notEqual(resumed.events()[0]!.type, 'snapshot', `round ${round}: a replay, not a snapshot`);
        expected.push(words.join(''));
        continue;
      }
      const next = await c.worker(['--concurrency', '2']);
      const continuation = `, continued ${round}.`;
      c.upstream.enqueue({ kind: 'stream', chunks: [{ text: continuation }] });
      const killedAt = Date.now();
      assert.deepEqual(await worker.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
      const interrupted = await watchA.waitFor(ended(run.id), 60_000);
      takeOverMs.push(Date.now() - killedAt);
      assert.equal(interrupted.type, 'run-interrupted', `round ${round}`);
      // The continue run is queued once the interruption is recorded, after it.
      const isContinue = (event: ConfabEvent) => event.type === 'run-queued' && event.seq > interrupted.seq;
      const continued = await watchA.waitFor(isContinue, 60_000);
      for (const watch of [watchA, watchB.at(-1)!]) assert.equal((await watch.waitFor(ended(continued.runId!), 60_000)).type, 'run-completed', `round ${round}`);
      expected.push(partial + continuation);
      worker = next;
    }
    await watchB.at(-1)!.waitFor((event) => event.type === 'run-completed' && event.seq === watchA.events().at(-1)!.seq, 30_000).catch(() => {});

    const detail = await api(a.url, 'GET', `/v1/conversations/${conversation.id}`);
    const stored = detail.messages.filter((message: { role: string }) => message.role === 'assistant');
    const storedText = stored.map((message: { parts: { kind: string; text?: string }[] }) => message.parts.filter((part) => part.kind === 'text').map((part) => part.text).join(''));
    assert.deepEqual(storedText, expected, 'the stored replies: each partial once, then its continuation');
    assert.ok(detail.runs.every((run: { status: string }) => run.status === 'completed' || run.status === 'interrupted'), 'every run ended');
    for (const [name, events] of [['A', watchA.events()], ['B', watchB.flatMap((connection) => connection.events())]] as const) {
      const live = nonSnapshot(events);
      assert.deepEqual(live.map((event) => event.seq), live.map((_, index) => live[0]!.seq + index), `watcher ${name}: consecutive seqs`);
      assert.equal(deltaText(live), expected.join(''), `watcher ${name}: exactly the stored text`);
    }
    console.log(`take-over after SIGKILL, ms: ${takeOverMs.join(', ')} (max ${Math.max(...takeOverMs)})`);
    watchA.close();
    for (const connection of watchB) connection.close();
  });
});
