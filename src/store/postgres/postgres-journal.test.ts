import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { Pool } from 'pg';
import { startTcpProxy, type TcpProxy } from '../../../test/support/tcp-proxy.ts';
import { journalEntry, journalRange } from '../journal-contract.ts';
import { databaseHistory, PostgresJournal } from './postgres-journal.ts';
import { PostgresStore } from './postgres-store.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './postgres-test-database.ts';

/** What only the Postgres journal does; the Journal contract (journal-contract.ts) runs over it in journal.test.ts. */

const skip = await postgresUnavailable();
let database: TestDatabase | undefined;
let schemas = 0;
after(async () => database?.drop());

const waitFor = async (what: string, done: () => Promise<boolean>) => {
  for (let waited = 0; !(await done()); waited += 20) {
    if (waited > 30_000) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('PostgresJournal', { skip }, () => {
  let schema: string;
  let admin: Pool;
  const stores: PostgresStore[] = [];

  beforeEach(async () => {
    database ??= await createTestDatabase('confab_test_pgjournal');
    schema = `pgjournal_${++schemas}`;
    admin = await database.pool({ schema });
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await admin.end();
  });

  async function openStore(config: Parameters<TestDatabase['pool']>[0] = {}): Promise<PostgresStore> {
    const store = new PostgresStore({ pool: await database!.pool({ schema, ...config }) });
    stores.push(store);
    await store.init();
    return store;
  }

  it("names the database's history (system identifier, WAL timeline, database) and keeps the epochs while it is the same", async () => {
    const store = await openStore();
    const history = await databaseHistory(store.pool);
    assert.match(history ?? '', /^\d+\/[0-9A-F]{8}\/\d+$/);
    const first = await PostgresJournal.open({ pool: store.pool });
    await first.setEpoch('c1', 'E');
    const second = await PostgresJournal.open({ pool: (await openStore()).pool });
    assert.equal((await second.head('c1')).epoch, 'E');
    assert.deepEqual((await admin.query("SELECT value FROM journal_meta WHERE key = 'history'")).rows, [{ value: history }]);
  });

  it('commits with synchronous_commit on even where the session default is off', async () => {
    await openStore();
    await admin.query(`
      CREATE TABLE commit_settings (setting TEXT);
      CREATE FUNCTION record_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO commit_settings VALUES (current_setting('synchronous_commit')); RETURN NULL; END $$;
      CREATE TRIGGER record_commit_setting AFTER INSERT ON journal FOR EACH STATEMENT EXECUTE FUNCTION record_commit_setting();`);
    const lax = await openStore({ options: `-c search_path=${schema} -c synchronous_commit=off` });
    await lax.pool.query("INSERT INTO journal VALUES ('c0', 1, 2, '{}')");
    const journal = await PostgresJournal.open({ pool: lax.pool, history: 'h' });
    await journal.write(journalRange('c1', 1, 3));
    assert.deepEqual((await admin.query('SELECT setting FROM commit_settings')).rows.map((row) => row.setting), ['off', 'on'], 'the session default, then the journal');
  });

  describe('a connection cut while a write is under way', () => {
    let proxy: TcpProxy;
    beforeEach(async () => {
      proxy = await startTcpProxy(new URL(database!.url).port || 5432);
    });
    afterEach(async () => proxy.close());

    /** A journal whose connections pass through the proxy, and a way to cut them once `query` is running. */
    async function throughProxy(slowStep: 'INSERT' | 'COMMIT') {
      const direct = await openStore();
      const url = new URL(database!.url);
      url.host = new URL(proxy.url).host;
      const store = await openStore({ connectionString: url.toString() });
      // A trigger that holds the step for 1.5 s (less than confirmCommit's grace): at insert time, or deferred to COMMIT.
      const timing = slowStep === 'COMMIT' ? 'DEFERRABLE INITIALLY DEFERRED' : '';
      await admin.query(`
        CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER hold AFTER INSERT ON journal ${timing} FOR EACH ROW EXECUTE FUNCTION hold();`);
      const journal = await PostgresJournal.open({ pool: store.pool, history: 'h' });
      const cutWhenRunning = async () => {
        const running = async () =>
          (await admin.query("SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND wait_event = 'PgSleep' AND query LIKE $1", [`${slowStep}%`])).rows.length > 0;
        await waitFor(`the ${slowStep} to run`, running);
        proxy.cut();
        proxy.restore();
      };
      return { journal, direct, cutWhenRunning };
    }

    it('a COMMIT whose answer was lost, but that committed, resolves the write', async () => {
      const { journal, direct, cutWhenRunning } = await throughProxy('COMMIT');
      const cut = cutWhenRunning();
      await journal.write([journalEntry('c1', 1)]);
      await cut;
      assert.equal(journal.writes, 1);
      assert.deepEqual((await direct.pool.query("SELECT seq FROM journal WHERE conversation_id = 'c1'")).rows.map((row) => Number(row.seq)), [1]);
    });

    it('a write cut before its COMMIT was sent fails, and stores nothing', async () => {
      const { journal, direct, cutWhenRunning } = await throughProxy('INSERT');
      const cut = cutWhenRunning();
      await assert.rejects(journal.write([journalEntry('c1', 1)]), /Connection terminated|ECONNRESET|terminat/i);
      await cut;
      assert.equal(journal.writes, 0);
      await waitFor('the cut connection to end', async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'")).rows.length === 0);
      assert.deepEqual((await direct.pool.query("SELECT seq FROM journal WHERE conversation_id = 'c1'")).rows, []);
    });
  });
});
