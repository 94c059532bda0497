import { Pool } from 'pg';
import { PgBoss } from 'pg-boss';
import { currentPostgresVersion, migratePostgres } from '../store/postgres/postgres-migrations.ts';
import { PgBossRunQueue, pgBossOptions } from '../engine/run-queue/pg-boss-run-queue.ts';

/**
 * Applies the cluster's schema to a Postgres database: Confab's tables (versioned migrations, under
 * an advisory lock, so nodes starting together apply each once) and pg-boss's schema and run queue.
 * Idempotent; `confab migrate` runs it, and so does every node as it starts.
 */
export async function migrateCluster(databaseUrl: string): Promise<{ version: number }> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => {});
  try {
    await migratePostgres(pool, { now: Date.now });
    const client = await pool.connect();
    try {
      const version = await currentPostgresVersion(client);
      const boss = new PgBoss(pgBossOptions(databaseUrl, { max: 1, supervise: false, schedule: false }));
      boss.on('error', () => {});
      await boss.start();
      try {
        await PgBossRunQueue.create({ boss, concurrency: 1 });
      } finally {
        await boss.stop({ graceful: false, close: true });
      }
      return { version };
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
