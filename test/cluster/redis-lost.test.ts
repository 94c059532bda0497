/**
 * Redis restarted WITHOUT persistence under a cluster (`--save "" --appendonly no`, this test's own
 * redis-server on a free port, never the shared one), mid-reply: every conversation log's keys, its
 * epoch among them, are gone. What must hold (docs/scale-out.md):
 * - no client is ever replayed events of another history: a cursor from before the loss gets a
 *   snapshot, on either node;
 * - the run whose log was lost is taken over from the store's checkpoint (interrupted, its partial
 *   as stored kept, continued once), so it does not stay `running`;
 * - new appends continue in a new epoch from the store's `lastSeq`: consecutive seqs, and cursors of
 *   the new epoch replay exactly.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redisServerSkipReason, startRedisTestServer } from '../../src/engine/redis/redis-test-server.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../../src/store/postgres/postgres-test-database.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { eventually, spawnServe, testToken, type SpawnedServe } from '../support/server-fixture.ts';
import { messageText, watchSse, watchWs, type Watcher } from '../reliability/delta-watchers.ts';
import { apiOf } from '../reliability/support.ts';

const skip = (await postgresUnavailable()) ?? redisServerSkipReason();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const epochOf = (cursor: string) => cursor.slice(0, cursor.lastIndexOf('.'));

let database: TestDatabase | undefined;
after(async () => database?.drop());

/** The events a watcher saw: within each stretch between snapshots, one epoch and consecutive seqs. */
function checkStretches(watcher: Watcher, what: string): void {
  const stretches: any[][] = [[]];
  for (const { event } of watcher.seen) {
    if (event.type === 'snapshot') stretches.push([]);
    else stretches.at(-1)!.push(event);
  }
  for (const stretch of stretches) {
    if (stretch.length === 0) continue;
    assert.deepEqual(stretch.map((event) => event.seq), stretch.map((_, index) => stretch[0].seq + index), `${what}: consecutive seqs`);
    assert.equal(new Set(stretch.map((event) => epochOf(event.cursor))).size, 1, `${what}: one epoch between snapshots`);
  }
}

describe('a cluster across a Redis restart without persistence', { skip, timeout: 300_000 }, () => {
  it('clients get snapshots, never a wrong replay; the run is taken over from the checkpoint; new appends go on in a new epoch', async () => {
    const redis = await startRedisTestServer(['--save', '', '--appendonly', 'no']);
    database = await createTestDatabase('confab_test_redis_lost');
    const upstream = await startOpenAIUpstream();
    const project = await makeProjectDir();
    const root = await mkdtemp(join(tmpdir(), 'confab-redis-lost-'));
    const env = { CONFAB_DATABASE_URL: database.url, CONFAB_REDIS_URL: redis.url, CONFAB_TOKEN: testToken, CONFAB_LOG_LEVEL: 'error' };
    const nodes: SpawnedServe[] = [];
    try {
      await Promise.all(['a', 'b'].map((name) => mkdir(join(root, name))));
      const [a, b] = await Promise.all([
        spawnServe({ dataDir: join(root, 'a'), upstreamUrl: upstream.url, env, timeoutMs: 120_000 }),
        spawnServe({ dataDir: join(root, 'b'), upstreamUrl: upstream.url, env, args: ['--no-worker'], timeoutMs: 120_000 }),
      ]);
      nodes.push(a, b);
      const api = apiOf(a);
      assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: project.path })).status, 201);
      const conversationId: string = (await api('POST', '/v1/conversations', { projectName: 'demo' })).body.conversation.id;
      const path = `/v1/conversations/${conversationId}`;
      const lastRun = async () => (await api('GET', path)).body.runs.at(-1);

      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'One' }, { text: ' two.' }] });
      assert.equal((await api('POST', `${path}/messages`, { content: 'first' })).status, 202);
      await eventually(async () => (await lastRun()).status === 'completed', 30_000, 'the first reply');

      const watchers = [await watchSse(a, conversationId), await watchWs(b, conversationId)];
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Alpha' }, { text: ' beta' }, { text: ' gamma' }, { text: ' delta' }], holdAfter: 2 });
      const sent = await api('POST', `${path}/messages`, { content: 'second' });
      const runId: string = sent.body.run.id;
      const partialShown = (watcher: Watcher) => watcher.seen.filter(({ event }) => event.type === 'part-delta' && event.runId === runId).length === 2;
      await eventually(() => watchers.every(partialShown), 30_000, 'the partial on both watchers');
      await sleep(1000); // a checkpoint of the partial (every 250 ms) lands
      const before = watchers.map((watcher) => watcher.seen.at(-1)!.event);
      const oldEpoch = epochOf(before[0].cursor);

      await redis.stop('kill');
      await redis.start();
      upstream.enqueue({ kind: 'stream', chunks: [{ text: ', continued.' }] });
      upstream.release();

      // The run whose log was lost ends (taken over: interrupted) and is continued once.
      await eventually(async () => (await api('GET', path)).body.runs.every((run: { status: string }) => run.status === 'completed' || run.status === 'interrupted'), 60_000, 'every run ended');
      await eventually(async () => (await lastRun()).trigger === 'continue' && (await lastRun()).status === 'completed', 60_000, 'the continue run');
      const stored = (await api('GET', path)).body;
      const pool = await database.pool();
      const { rows } = await pool.query('SELECT id, status, trigger_kind AS trigger FROM runs ORDER BY position');
      assert.deepEqual(rows.map((row) => [row.status, row.trigger]), [['completed', 'send'], ['interrupted', 'send'], ['completed', 'continue']]);
      assert.equal(rows[1].id, runId);
      const reply = messageText(stored.messages.at(-1));
      assert.match(reply, /^(Alpha( beta)?)?, continued\.$/, `the partial as checkpointed, then the continuation: ${reply}`);
      assert.ok(!reply.includes('gamma'), 'nothing streamed after the loss was kept half-way');

      // Cursors from before the loss: a snapshot on either node, never a replay of another history.
      for (const [index, node] of [a, b].entries()) {
        const resumed = await watchSse(node, conversationId, before[index].cursor);
        await eventually(() => resumed.seen.length > 0, 15_000, 'the resumed watcher');
        assert.equal(resumed.seen[0]!.event.type, 'snapshot', `node ${index}: a snapshot for a cursor of the lost epoch`);
        const snapshot = resumed.seen[0]!.event;
        assert.notEqual(epochOf(snapshot.cursor), oldEpoch, 'a new epoch');
        assert.equal(messageText(snapshot.data.state.messages.at(-1)), reply, 'the snapshot holds the stored reply');
        resumed.close();
      }
      for (const watcher of watchers) checkStretches(watcher, `${watcher.name} (connected across the loss)`);

      // New appends: a third exchange, watched from a new-epoch cursor, replays exactly and in order.
      const fresh = await watchSse(b, conversationId);
      await eventually(() => fresh.seen.length > 0, 15_000, 'a fresh watcher');
      const cursor = fresh.seen[0]!.event.cursor;
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Three' }, { text: ' four.' }] });
      assert.equal((await api('POST', `${path}/messages`, { content: 'third' })).status, 202);
      await eventually(() => fresh.seen.some(({ event }) => event.type === 'run-completed'), 30_000, 'the third reply');
      const replayed = await watchSse(a, conversationId, cursor);
      await eventually(() => replayed.seen.some(({ event }) => event.type === 'run-completed'), 15_000, 'the replay');
      assert.deepEqual(replayed.seen.map(({ event }) => event.seq), fresh.seen.slice(1).map(({ event }) => event.seq).slice(0, replayed.seen.length), 'a replay of exactly the new events');
      checkStretches(fresh, 'fresh watcher');
      assert.equal(messageText((await api('GET', path)).body.messages.at(-1)), 'Three four.');
      for (const watcher of [...watchers, fresh, replayed]) watcher.close();
    } finally {
      for (const node of nodes) await node.kill('SIGKILL');
      await redis.dispose();
      await upstream.close();
      await project.cleanup();
      await rm(root, { recursive: true, force: true });
    }
  });
});
