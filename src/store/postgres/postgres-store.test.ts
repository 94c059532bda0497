import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { Pool } from 'pg';
import type { Message } from '../../domain/schemas.ts';
import { conversation, message, project, richMessage, richRun, run } from '../store-test-records.ts';
import { latestPostgresSchemaVersion, migratePostgres, postgresMigrations } from './postgres-migrations.ts';
import { PostgresStore } from './postgres-store.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './postgres-test-database.ts';

const skip = await postgresUnavailable();
let database: TestDatabase | undefined;
let schemas = 0;
after(async () => database?.drop());

describe('PostgresStore', { skip }, () => {
  let schema: string;
  const open: PostgresStore[] = [];

  beforeEach(async () => {
    database ??= await createTestDatabase('confab_test_pgstore');
    schema = `pgstore_${++schemas}`;
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  async function pool(): Promise<Pool> {
    return database!.pool({ schema });
  }

  async function openStore(now = () => 1234): Promise<PostgresStore> {
    const store = new PostgresStore({ pool: await pool(), now });
    open.push(store);
    await store.init();
    return store;
  }

  async function inspect<T>(sql: string): Promise<T[]> {
    const inspector = await pool();
    try {
      return (await inspector.query(sql)).rows as T[];
    } finally {
      await inspector.end();
    }
  }

  it('keeps every record for a new store on a new pool (another process)', async () => {
    const first = await openStore();
    await first.createProject(project('alpha'));
    await first.commit({
      conversations: [conversation('c1')],
      messages: [richMessage('m2', 'c1'), message('m1', 'c1')],
      runs: [richRun('r1', 'c1')],
      lastSeq: { c1: 17 },
    });
    await first.close();

    const second = await openStore();
    assert.deepStrictEqual(await second.listProjects(), [project('alpha')]);
    assert.deepStrictEqual(await second.getConversation('c1'), conversation('c1'));
    assert.deepStrictEqual(await second.listMessages('c1'), [message('m1', 'c1'), richMessage('m2', 'c1')]);
    assert.deepStrictEqual(await second.findRunByClientRequestId('c1', 'req-rich'), richRun('r1', 'c1'));
    assert.equal(await second.getLastSeq('c1'), 17);
  });

  it('stores JSON columns as the JSON text written: key order and \\u0000 kept', async () => {
    const store = await openStore();
    await store.createProject(project('alpha'));
    const odd: Message = message('m1', 'c1', {
      parts: [{ id: 'p', kind: 'tool-call', toolCallId: 'k', toolName: 't', step: 1, state: { status: 'completed', input: { z: 1, a: 2 }, output: 'nul:\u0000', startedAt: 1, endedAt: 2 } }],
    });
    await store.commit({ conversations: [conversation('c1')], messages: [odd], runs: [richRun('r1', 'c1')] });
    const [row] = await inspect<{ usage: string; parts: string }>('SELECT usage::text, (SELECT parts::text FROM messages) AS parts FROM runs');
    assert.equal(row!.usage, JSON.stringify(richRun('r1', 'c1').usage));
    assert.equal(row!.parts, JSON.stringify(odd.parts));
    const [read] = await store.listMessages('c1');
    assert.deepStrictEqual(read, odd);
    assert.deepEqual(Object.keys((read!.parts[0] as { state: { input: object } }).state.input), ['z', 'a']);
  });

  it('records each migration once and does not re-apply them on a second init', async () => {
    await openStore(() => 1111);
    await openStore(() => 2222);
    const expected = postgresMigrations.map((m) => ({ version: m.version, name: m.name, applied_at: '1111' }));
    assert.deepStrictEqual(await inspect('SELECT version, name, applied_at FROM schema_migrations ORDER BY version'), expected);
    assert.equal(expected.length, latestPostgresSchemaVersion);
  });

  it('lets several processes initialise one fresh database at once', async () => {
    const stores: PostgresStore[] = [];
    for (let node = 0; node < 4; node++) stores.push(new PostgresStore({ pool: await pool(), now: () => 1 }));
    open.push(...stores);
    await Promise.all(stores.map((store) => store.init()));
    const rows = await inspect<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepStrictEqual(rows.map((row) => row.version), postgresMigrations.map((m) => m.version));
  });

  it('migrates a database at version 1, keeping its runs, which start unclaimed', async () => {
    const migrating = await pool();
    await migratePostgres(migrating, { now: () => 1, list: postgresMigrations.slice(0, 1) });
    await migrating.query("INSERT INTO projects VALUES ('alpha', '/srv/projects/alpha', 1700000000000)");
    await migrating.end();
    const store = await openStore();
    await store.commit({ conversations: [conversation('c1')], runs: [run('r1', 'c1')] });
    assert.deepStrictEqual(await store.listRuns('c1'), [run('r1', 'c1')]);
    assert.deepEqual(await store.getRunClaim('r1'), { attempt: 0, stopRequestedAt: null });
  });

  it('refuses a database with a newer schema version, naming both versions', async () => {
    const first = await openStore();
    await first.close();
    await inspect(`INSERT INTO schema_migrations VALUES (${latestPostgresSchemaVersion + 1}, 'from the future', 0)`);
    const store = new PostgresStore({ pool: await pool() });
    open.push(store);
    await assert.rejects(store.init(), {
      message:
        `Postgres database schema is at version ${latestPostgresSchemaVersion + 1}, but this Confab only knows up to version ` +
        `${latestPostgresSchemaVersion}; upgrade Confab or use another database`,
    });
    await assert.rejects(store.getProject('alpha'), { message: 'PostgresStore is not open: call init() first' });
  });

  it('rolls back a migration that fails, leaving no trace of it', async () => {
    await openStore();
    const broken = [...postgresMigrations, { version: postgresMigrations.length + 1, name: 'broken', sql: 'CREATE TABLE half (x int); SELECT * FROM nowhere;' }];
    const migrating = await pool();
    await assert.rejects(migratePostgres(migrating, { now: () => 0, list: broken }), /relation "nowhere" does not exist/);
    await migrating.end();
    assert.deepStrictEqual(await inspect(`SELECT to_regclass('half') AS half`), [{ half: null }]);
    assert.deepStrictEqual(await inspect('SELECT MAX(version) AS v FROM schema_migrations'), [{ v: latestPostgresSchemaVersion }]);
  });

  it('close ends the pool it was given', async () => {
    const given = await pool();
    const store = new PostgresStore({ pool: given });
    await store.init();
    await store.close();
    assert.equal(given.ended, true);
    await assert.rejects(store.listProjects(), { message: 'PostgresStore is not open: call init() first' });
  });
});
