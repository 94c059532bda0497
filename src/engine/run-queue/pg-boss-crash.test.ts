import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PgBoss } from 'pg-boss';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../../store/postgres/postgres-test-database.ts';
import { PgBossRunQueue, pgBossOptions } from './pg-boss-run-queue.ts';
import type { RunClaim, RunJob } from './run-queue.ts';

/** A worker process SIGKILLed mid-run: its run goes to another process with the next attempt. */

const skip = await postgresUnavailable();
let database: TestDatabase | undefined;
let boss: PgBoss | undefined;
after(async () => {
  await boss?.stop({ graceful: false });
  await database?.drop();
});

describe('PgBossRunQueue after a worker process dies', { skip }, () => {
  it('dispatches the killed worker\'s run again, to another process, with attempt 2, and keeps the conversation\'s order', async (t) => {
    database = await createTestDatabase('confab_test_crash');
    boss = new PgBoss(pgBossOptions(database.url, { max: 4 }));
    boss.on('error', () => {});
    await boss.start();
    const queue = await PgBossRunQueue.create({ boss, concurrency: 2, queueName: 'crash' });

    const child = spawn(process.execPath, [fileURLToPath(new URL('./pg-boss-test-worker.ts', import.meta.url))], {
      env: { ...process.env, CONFAB_TEST_QUEUE_URL: database.url, CONFAB_TEST_QUEUE: 'crash' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    try {
      assert.equal((await lines.next()).value, 'ready');
      await queue.push({ conversationId: 'c1', runId: 'r1' });
      await queue.push({ conversationId: 'c1', runId: 'r2' });
      assert.deepEqual(JSON.parse(String((await lines.next()).value)), { runId: 'r1', attempt: 1 }, 'the child claimed r1');
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }

    // This process works the queue too from now on; r2 waits behind r1, which the child holds.
    const starts: { runId: string; attempt: number; at: number }[] = [];
    queue.setWorker(async (job: RunJob, claim: RunClaim) => void starts.push({ runId: job.runId, attempt: claim.attempt, at: performance.now() }));
    const killedAt = performance.now();
    child.kill('SIGKILL');
    await once(child, 'exit');

    const deadline = Date.now() + 60_000;
    while (starts.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await queue.close();
    assert.deepEqual(starts.map(({ runId, attempt }) => ({ runId, attempt })), [
      { runId: 'r1', attempt: 2 },
      { runId: 'r2', attempt: 1 },
    ]);
    t.diagnostic(`SIGKILL -> run dispatched again: ${((starts[0]!.at - killedAt) / 1000).toFixed(1)} s`);
  });
});
