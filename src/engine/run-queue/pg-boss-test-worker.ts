import { PgBoss } from 'pg-boss';
import { PgBossRunQueue, pgBossOptions } from './pg-boss-run-queue.ts';

/**
 * Test support: a worker process for pg-boss-crash.test.ts. It joins queue CONFAB_TEST_QUEUE on
 * CONFAB_TEST_QUEUE_URL, prints `ready`, then prints each run it is given (`{ runId, attempt }`, one
 * JSON line) and never finishes it, so the test can SIGKILL it mid-run.
 */
const boss = new PgBoss(pgBossOptions(process.env.CONFAB_TEST_QUEUE_URL!, { max: 3 }));
boss.on('error', () => {});
await boss.start();
const queue = await PgBossRunQueue.create({ boss, concurrency: 1, queueName: process.env.CONFAB_TEST_QUEUE! });
queue.setWorker(async (job, claim) => {
  process.stdout.write(`${JSON.stringify({ runId: job.runId, attempt: claim.attempt })}\n`);
  await new Promise(() => {});
});
process.stdout.write('ready\n');
