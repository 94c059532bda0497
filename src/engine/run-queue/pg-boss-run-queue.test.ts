import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PgBoss } from 'pg-boss';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../../store/postgres/postgres-test-database.ts';
import { PgBossRunQueue, type PgBossRunQueueOptions, pgBossOptions } from './pg-boss-run-queue.ts';
import type { RunClaim, RunJob } from './run-queue.ts';

/** pg-boss RunQueue behaviour beyond the contract: several processes, expiry, reordering under load. */

const skip = await postgresUnavailable();
let database: TestDatabase | undefined;
let queues = 0;
const bosses: PgBoss[] = [];
/** Set once the file's tests are done: dropping the database cuts connections, which pg-boss reports. */
let ending = false;
after(async () => {
  ending = true;
  await Promise.all(bosses.map((boss) => boss.stop({ graceful: false })));
  await database?.drop();
});

/** A pg-boss instance standing for one worker process. */
async function node(max = 4): Promise<PgBoss> {
  database ??= await createTestDatabase('confab_test_pgboss');
  const boss = new PgBoss(pgBossOptions(database.url, { max }));
  boss.on('error', (error) => ending || console.error('pg-boss:', error));
  bosses.push(boss);
  return boss.start();
}

function queueOn(boss: PgBoss, queueName: string, options: Partial<PgBossRunQueueOptions> = {}): Promise<PgBossRunQueue> {
  return PgBossRunQueue.create({ boss, concurrency: 4, queueName, ...options });
}

async function until(condition: () => boolean, what: string, giveUpMs = 120_000): Promise<void> {
  const deadline = Date.now() + giveUpMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), `gave up waiting for ${what}`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A worker recording starts, overlaps per conversation and the order runs executed in. */
function recorder(work: (job: RunJob, claim: RunClaim) => Promise<void> = () => sleep(2)) {
  const executing = new Set<string>();
  const order = new Map<string, string[]>();
  const starts: { runId: string; attempt: number; at: number }[] = [];
  const endedAt = new Map<string, number>();
  let overlaps = 0;
  const worker = async (job: RunJob, claim: RunClaim) => {
    if (executing.has(job.conversationId)) overlaps++;
    executing.add(job.conversationId);
    starts.push({ runId: job.runId, attempt: claim.attempt, at: performance.now() });
    try {
      await work(job, claim);
    } finally {
      order.set(job.conversationId, [...(order.get(job.conversationId) ?? []), job.runId]);
      endedAt.set(job.runId, performance.now());
      executing.delete(job.conversationId);
    }
  };
  return { worker, order, starts, endedAt, overlaps: () => overlaps };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('PgBossRunQueue', { skip }, () => {
  it('20 conversations x 10 runs over two processes: no overlap, none out of order, each run once', async (t) => {
    const name = `fifo_${++queues}`;
    // 2 x 10 slots for 20 conversations: a run that may start never waits for a free slot.
    const [first, second] = [await queueOn(await node(14), name, { concurrency: 10 }), await queueOn(await node(14), name, { concurrency: 10 })];
    // One record of executions across both processes, and how many each executed.
    const shared = recorder();
    const perProcess = [0, 0];
    first.setWorker((job, claim) => (perProcess[0]!++, shared.worker(job, claim)));
    second.setWorker((job, claim) => (perProcess[1]!++, shared.worker(job, claim)));
    const expected = new Map<string, string[]>();
    const pushedAt = new Map<string, number>();
    for (let run = 0; run < 10; run++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, conversation) => {
          const job = { conversationId: `conv-${conversation}`, runId: `conv-${conversation}-run-${run}` };
          expected.set(job.conversationId, [...(expected.get(job.conversationId) ?? []), job.runId]);
          pushedAt.set(job.runId, performance.now());
          await (conversation % 2 === 0 ? first : second).push(job);
        }),
      );
    }
    await until(() => shared.starts.length >= 200, 'all 200 runs');
    await Promise.all([first.close(), second.close()]);
    assert.equal(shared.overlaps(), 0);
    assert.deepEqual(shared.order, expected);
    assert.deepEqual(new Set(shared.starts.map((start) => start.attempt)), new Set([1]));
    assert.equal(shared.starts.length, 200, 'no run executed twice');
    assert.ok(perProcess[0]! > 0 && perProcess[1]! > 0, 'both processes executed runs');
    // From the moment a run could start (pushed, or the conversation's previous run ended) to its start.
    const fromPush: number[] = [];
    const fromPrevious: number[] = [];
    for (const { runId, at } of shared.starts) {
      const [conversation, index] = runId.replace('conv-', '').split('-run-').map(Number);
      const previousEnd = index! > 0 ? shared.endedAt.get(`conv-${conversation}-run-${index! - 1}`)! : 0;
      const pushed = pushedAt.get(runId)!;
      if (pushed >= previousEnd) fromPush.push(at - pushed);
      else fromPrevious.push(at - previousEnd);
    }
    const figures = (values: number[]) =>
      `n ${values.length}, p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms`;
    t.diagnostic(`runs per process: ${perProcess[0]} / ${perProcess[1]}`);
    t.diagnostic(`push called -> start, conversation idle: ${figures(fromPush)}`);
    t.diagnostic(`previous run ended -> next run started: ${figures(fromPrevious)}`);
  });

  it('keeps every run exactly once while fronts, removes and workers race on the same conversations', async (t) => {
    const name = `race_${++queues}`;
    const [first, second] = [await queueOn(await node(), name, { concurrency: 2 }), await queueOn(await node(), name, { concurrency: 2 })];
    // Runs long enough for queues to build up, so fronts and removes meet waiting runs.
    const shared = recorder(() => sleep(40));
    first.setWorker(shared.worker);
    second.setWorker(shared.worker);
    const removed = new Set<string>();
    const plain = new Map<string, string[]>();
    await Promise.all(
      Array.from({ length: 6 }, async (_, conversation) => {
        const conversationId = `conv-${conversation}`;
        for (let run = 0; run < 12; run++) {
          const job = { conversationId, runId: `${conversationId}-run-${run}` };
          const front = run % 4 === 3;
          await (run % 2 === 0 ? first : second).push(job, { front });
          if (!front) plain.set(conversationId, [...(plain.get(conversationId) ?? []), job.runId]);
          if (run % 3 === 1 && (await (run % 2 === 0 ? second : first).remove(job.runId))) removed.add(job.runId);
        }
      }),
    );
    await until(() => shared.starts.length + removed.size >= 72, 'every run to start or be removed');
    await sleep(300);
    await Promise.all([first.close(), second.close()]);
    const started = shared.starts.map((start) => start.runId);
    t.diagnostic(`${removed.size} of 24 removes took a run out before it started`);
    assert.equal(new Set(started).size, started.length, 'no run started twice');
    assert.deepEqual(started.filter((runId) => removed.has(runId)), [], 'a removed run never starts');
    assert.equal(started.length + removed.size, 72, 'no run lost');
    assert.equal(shared.overlaps(), 0);
    for (const [conversationId, runIds] of plain) {
      const executed = shared.order.get(conversationId)!.filter((runId) => runIds.includes(runId));
      assert.deepEqual(executed, runIds.filter((runId) => !removed.has(runId)), `plain runs of ${conversationId} keep their order`);
    }
  });

  it('a run past maxRunSeconds loses its claim (signal aborted); past maxAttempts it is abandoned and its conversation moves on', async () => {
    const boss = await node();
    const abandoned: { runId: string; attempt: number }[] = [];
    const queue = await queueOn(boss, `expiry_${++queues}`, {
      concurrency: 2,
      maxRunSeconds: 1,
      maxAttempts: 1,
      onAbandoned: async (job, attempt) => void abandoned.push({ runId: job.runId, attempt }),
    });
    const signals: AbortSignal[] = [];
    const shared = recorder(async (job, claim) => {
      if (job.runId !== 'slow') return;
      signals.push(claim.signal);
      await new Promise((resolve) => claim.signal.addEventListener('abort', resolve, { once: true }));
    });
    queue.setWorker(shared.worker);
    await queue.push({ conversationId: 'c', runId: 'slow' });
    await queue.push({ conversationId: 'c', runId: 'next' });
    await until(() => shared.order.get('c')?.includes('next') === true, 'the next run of the conversation');
    await queue.close();
    assert.equal(signals.length, 1);
    assert.equal(signals[0]!.aborted, true, 'the expired claim was aborted');
    assert.deepEqual(abandoned, [{ runId: 'slow', attempt: 2 }]);
    assert.deepEqual(shared.starts.map(({ runId, attempt }) => ({ runId, attempt })), [
      { runId: 'slow', attempt: 1 },
      { runId: 'next', attempt: 1 },
    ]);
  });

  it('refuses a queue that exists with another policy', async () => {
    const boss = await node();
    await boss.createQueue('plain_queue', { policy: 'standard' });
    await assert.rejects(queueOn(boss, 'plain_queue'), /has policy standard; runs need key_strict_fifo/);
  });
});
