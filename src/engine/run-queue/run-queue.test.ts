import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { PgBoss } from 'pg-boss';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../../store/postgres/postgres-test-database.ts';
import { MemoryRunQueue } from './memory-run-queue.ts';
import { PgBossRunQueue, pgBossOptions } from './pg-boss-run-queue.ts';
import type { RunQueue } from './run-queue.ts';
import { runRunQueueContract, type RunQueueFactory } from './run-queue-contract.ts';
import { runSelectedContracts } from '../../util/contract-selection.ts';

/**
 * Runs the RunQueue contract over the queues named in CONFAB_TEST_QUEUES (default `memory`, and
 * `pgboss` when a Postgres answers: see store/postgres/postgres-test-database.ts).
 */

let database: TestDatabase | undefined;
let queues = 0;
/** Stopped here too, so a test that fails before closing its queue does not keep the process alive. */
const bosses: PgBoss[] = [];
/** Set once the file's tests are done: dropping the database cuts connections, which pg-boss reports. */
let ending = false;
after(async () => {
  ending = true;
  await Promise.all(bosses.map((boss) => boss.stop({ graceful: false })));
  await database?.drop();
});

/** A pg-boss instance (one "process") and a queue of its own on it; closing the queue stops the instance. */
async function pgBossQueue(concurrency: number): Promise<RunQueue> {
  database ??= await createTestDatabase('confab_test_queue');
  const boss = new PgBoss(pgBossOptions(database.url, { max: 4 }));
  boss.on('error', (error) => ending || console.error('pg-boss:', error));
  bosses.push(boss);
  await boss.start();
  const queue = await PgBossRunQueue.create({ boss, concurrency, queueName: `runs_${++queues}` });
  return {
    setWorker: (worker) => queue.setWorker(worker),
    push: (job, options) => queue.push(job, options),
    remove: (runId) => queue.remove(runId),
    waiting: (conversationId) => queue.waiting(conversationId),
    close: async () => {
      await queue.close();
      await boss.stop({ graceful: false });
    },
  };
}

await runSelectedContracts<RunQueueFactory>({
  variable: 'CONFAB_TEST_QUEUES',
  contract: 'RunQueue contract',
  defaults: ['memory', 'pgboss'],
  implementations: {
    memory: async () => ({ concurrency }) => new MemoryRunQueue({ concurrency }),
    pgboss: async () => (await postgresUnavailable()) ?? (({ concurrency }) => pgBossQueue(concurrency)),
  },
  run: runRunQueueContract,
});

it('MemoryRunQueue refuses a concurrency below one', () => {
  assert.throws(() => new MemoryRunQueue({ concurrency: 0 }), RangeError);
});
