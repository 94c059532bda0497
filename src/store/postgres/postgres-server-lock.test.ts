import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../util/logger.ts';
import { lockDatabase, type ServerLock } from './postgres-server-lock.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './postgres-test-database.ts';

const skip = await postgresUnavailable();
let database: TestDatabase | undefined;
after(async () => database?.drop());

describe('lockDatabase', { skip }, () => {
  it('one single server per database, or any number of cluster nodes, never both; a lock goes with its holder', async () => {
    database = await createTestDatabase('confab_test_lock');
    const { url } = database;
    const single = await lockDatabase(url, 'exclusive', silentLogger);
    await assert.rejects(lockDatabase(url, 'exclusive', silentLogger), { code: 'bad_request', message: /in use by another Confab server/ });
    await assert.rejects(lockDatabase(url, 'shared', silentLogger), { code: 'bad_request', message: /in use by a single confab serve without Redis/ });
    await single.release();
    const nodes: ServerLock[] = [await lockDatabase(url, 'shared', silentLogger), await lockDatabase(url, 'shared', silentLogger)];
    await assert.rejects(lockDatabase(url, 'exclusive', silentLogger), /in use by another Confab server/);
    for (const node of nodes) await node.release();
    const again = await lockDatabase(url, 'exclusive', silentLogger);
    await again.release();
  });

  it('takes a lock lost with its connection again', async () => {
    database ??= await createTestDatabase('confab_test_lock');
    const { url } = database;
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => void errors.push(message) };
    const held = await lockDatabase(url, 'exclusive', logger);
    try {
      const admin = await database.pool();
      // This database's advisory locks only: other suites' migrations hold one on theirs.
      const holder = async () => (await admin.query("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows.map((row) => row.pid as number);
      const [pid] = await holder();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      for (let waited = 0; (await holder()).filter((other) => other !== pid).length === 0; waited += 50) {
        if (waited > 20_000) assert.fail('the lock was not taken again');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // A first try can find the terminated backend still holding the lock: then it retries.
      assert.equal(errors[0], 'lost the Postgres lock that keeps other servers off this database; taking it again');
      assert.deepEqual(new Set(errors.slice(1)), new Set(errors.length > 1 ? ['could not take the Postgres server lock again; retrying'] : []));
      await assert.rejects(lockDatabase(url, 'exclusive', silentLogger), /in use/);
    } finally {
      await held.release();
    }
  });
});
