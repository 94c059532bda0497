/**
 * Redis with the recommended persistence (`appendonly yes`, `appendfsync always`: docs/scale-out.md)
 * under a cluster node, as processes: a reply streams to watchers (SSE and WebSocket) when this
 * test's own redis-server (a child on a free port; never the shared one) is SIGKILLed at a random
 * moment mid-reply and started again on the same files. What must hold:
 * - everything Redis acknowledged survives: the run goes on in the same epoch and completes with
 *   the whole text;
 * - the watchers that stayed connected are shown the whole text, each event once, in order (or a
 *   snapshot, never a wrong event);
 * - each watcher reconnecting with the last cursor it saw before the kill gets a replay of exactly
 *   the rest, or a snapshot: never a replay of another history.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redisServerSkipReason, startRedisTestServer, type RedisTestServer } from '../../src/engine/redis/redis-test-server.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../../src/store/postgres/postgres-test-database.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { eventually, spawnServe, testToken, type SpawnedServe } from '../support/server-fixture.ts';
import { messageText, shownDeltas, watchSse, watchWs, type Watcher } from '../reliability/delta-watchers.ts';
import { scaled } from '../reliability/scale.ts';
import { apiOf, chunksOf, reliabilitySeed, seeded, type Api } from '../reliability/support.ts';

const skip = (await postgresUnavailable()) ?? redisServerSkipReason();
const fullText = Array.from({ length: 200 }, (_, index) => `w${index + 1}`).join(' ');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Outcome = { live: ('whole' | 'snapshot')[]; resumed: ('replay' | 'snapshot')[] };

/** The events a watcher was shown, past its last snapshot: each seq once, in order, and the text they add. */
function checkShown(watcher: Watcher, runId: string, what: string): 'whole' | 'snapshot' {
  const events = watcher.seen.map(({ event }) => event);
  const snapshots = events.filter((event) => event.type === 'snapshot').length;
  const live = events.slice(events.findLastIndex((event) => event.type === 'snapshot') + 1);
  assert.deepEqual(live.map((event) => event.seq), live.map((_, index) => live[0]!.seq + index), `${what}: each event once, in order`);
  if (snapshots > 1) return 'snapshot';
  assert.equal(shownDeltas(watcher, runId).text, fullText, `${what}: shown the whole text`);
  return 'whole';
}

/** Reconnects with `cursor`/`seq`, the last event a watcher saw before the kill, and checks what it gets. */
async function resumeFrom(serve: SpawnedServe, conversationId: string, runId: string, before: Watcher, cursor: string, seq: number, textBefore: string): Promise<'replay' | 'snapshot'> {
  const watcher = await (before.name === 'sse' ? watchSse : watchWs)(serve, conversationId, cursor);
  try {
    await eventually(() => watcher.seen.some(({ event }) => event.type === 'snapshot' || (event.type === 'run-completed' && event.runId === runId)), 15_000, `${before.name}: resumed after ${cursor}`);
  } finally {
    watcher.close();
  }
  const events = watcher.seen.map(({ event }) => event);
  if (events[0]?.type === 'snapshot') {
    const message = events[0].data.state.messages.at(-1);
    assert.equal(messageText(message) + shownDeltas({ ...watcher, seen: watcher.seen.slice(1) }, runId).text, fullText, `${before.name}: the snapshot plus what follows is the whole text`);
    return 'snapshot';
  }
  assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => seq + 1 + index), `${before.name}: a replay of the events right after its cursor`);
  assert.equal(textBefore + shownDeltas(watcher, runId).text, fullText, `${before.name}: what it saw plus the replay is the whole text, no gap and no duplicate`);
  return 'replay';
}

async function killRedisMidReply(serve: SpawnedServe, api: Api, redis: RedisTestServer, upstream: FakeUpstream, random: () => number, cycle: number): Promise<Outcome> {
  const conversationId: string = (await api('POST', '/v1/conversations', { projectName: 'demo' })).body.conversation.id;
  const watchers = [await watchSse(serve, conversationId), await watchWs(serve, conversationId)];
  upstream.enqueue({ kind: 'stream', chunks: chunksOf(fullText, random), delayMs: 8 });
  const sent = await api('POST', `/v1/conversations/${conversationId}/messages`, { content: `cycle ${cycle}` });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const runId: string = sent.body.run.id;
  await eventually(() => watchers.some((watcher) => shownDeltas(watcher, runId).deltas.length > 0), 30_000, 'the first delta');
  await sleep(Math.floor(random() * 1000));
  await redis.stop('kill');
  const before = watchers.map((watcher) => ({ watcher, last: watcher.seen.at(-1)!.event, text: shownDeltas(watcher, runId).text }));
  await sleep(200 + Math.floor(random() * 800));
  await redis.start();
  const path = `/v1/conversations/${conversationId}`;
  const runStatus = async () => {
    const { status, body } = await api('GET', path);
    if (status !== 200) process.stdout.write(`# GET ${path}: ${status} ${JSON.stringify(body)}\n`);
    return body?.runs?.at(-1)?.status;
  };
  await eventually(async () => !['running', 'queued', undefined].includes(await runStatus()), 60_000, 'the run to end');
  const stored = (await api('GET', path)).body;
  assert.equal(stored.runs.at(-1).status, 'completed', JSON.stringify(stored.runs.at(-1)));
  assert.equal(messageText(stored.messages.at(-1)), fullText, 'the stored reply is whole');
  await eventually(() => watchers.every((watcher) => watcher.seen.some(({ event }) => event.type === 'run-completed')), 15_000, 'the watchers to see the end');
  for (const watcher of watchers) watcher.close();
  const live = watchers.map((watcher) => checkShown(watcher, runId, `${watcher.name} (stayed connected)`));
  const resumed: Outcome['resumed'] = [];
  for (const { watcher, last, text } of before) resumed.push(await resumeFrom(serve, conversationId, runId, watcher, last.cursor, last.seq, text));
  return { live, resumed };
}

let database: TestDatabase | undefined;
after(async () => database?.drop());

describe('a cluster node across a Redis crash, with appendfsync always', { skip }, () => {
  it('Redis SIGKILLed mid-reply and restarted: the reply completes whole, watchers see each event once, pre-kill cursors replay exactly the rest', async () => {
    const seed = reliabilitySeed();
    const random = seeded(seed);
    const redis = await startRedisTestServer(['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']);
    database = await createTestDatabase('confab_test_redis_aof');
    const upstream = await startOpenAIUpstream();
    const project = await makeProjectDir();
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-redis-aof-'));
    const env = { CONFAB_DATABASE_URL: database.url, CONFAB_REDIS_URL: redis.url, CONFAB_TOKEN: testToken, CONFAB_LOG_LEVEL: 'error' };
    const serve = await spawnServe({ dataDir, upstreamUrl: upstream.url, env, timeoutMs: 120_000 });
    try {
      const api = apiOf(serve);
      assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: project.path })).status, 201);
      const outcomes: Outcome[] = [];
      for (let cycle = 0; cycle < scaled(2, 10); cycle++) outcomes.push(await killRedisMidReply(serve, api, redis, upstream, random, cycle));
      const count = (list: string[], value: string) => list.filter((item) => item === value).length;
      const live = outcomes.flatMap((outcome) => outcome.live);
      const resumed = outcomes.flatMap((outcome) => outcome.resumed);
      process.stdout.write(
        `# redis appendfsync always, SIGKILL mid-reply: ${outcomes.length} cycles, every reply completed whole; ` +
          `connected watchers shown the whole text ${count(live, 'whole')} of ${live.length} (a snapshot in the others); ` +
          `pre-kill cursors replayed ${count(resumed, 'replay')} of ${resumed.length} (a snapshot in the others) (seed ${seed})\n`,
      );
    } finally {
      await serve.kill('SIGKILL');
      await redis.dispose();
      await upstream.close();
      await project.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
