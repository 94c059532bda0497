import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openStore } from '../open-store.ts';
import { conversation, message, project, richMessage, richRun } from '../store-test-records.ts';
import { latestSchemaVersion, migrate, migrations } from './migrations.ts';
import { SqliteStore } from './sqlite-store.ts';

describe('SqliteStore', () => {
  let directory: string;
  let path: string;
  const open: SqliteStore[] = [];

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'confab-sqlite-'));
    path = join(directory, 'nested', 'dir', 'confab.db');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function openAt(file: string, now = () => 1234): Promise<SqliteStore> {
    const store = new SqliteStore({ path: file, now });
    open.push(store);
    await store.init();
    return store;
  }

  function inspect<T>(query: string): T[] {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return db.prepare(query).all().map((row) => ({ ...row }) as T);
    } finally {
      db.close();
    }
  }

  it('creates the missing parent directories of its file', async () => {
    await openAt(path);
    assert.equal(existsSync(path), true);
  });

  it('keeps every record across close and reopen of the same file', async () => {
    const first = await openAt(path);
    await first.createProject(project('alpha'));
    await first.commit({
      conversations: [conversation('c1')],
      messages: [richMessage('m2', 'c1'), message('m1', 'c1')],
      runs: [richRun('r1', 'c1')],
      lastSeq: { c1: 17 },
    });
    await first.close();

    const second = await openAt(path);
    assert.deepStrictEqual(await second.listProjects(), [project('alpha')]);
    assert.deepStrictEqual(await second.getConversation('c1'), conversation('c1'));
    assert.deepStrictEqual(await second.listMessages('c1'), [message('m1', 'c1'), richMessage('m2', 'c1')]);
    assert.deepStrictEqual(await second.findRunByClientRequestId('c1', 'req-rich'), richRun('r1', 'c1'));
    assert.equal(await second.getLastSeq('c1'), 17);
  });

  it('runs in WAL mode', async () => {
    await openAt(path);
    assert.deepStrictEqual(inspect('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
    assert.equal(existsSync(`${path}-wal`), true);
  });

  it('stores JSON columns as JSON text', async () => {
    const store = await openAt(path);
    await store.createProject(project('alpha'));
    await store.commit({ conversations: [conversation('c1')], runs: [richRun('r1', 'c1')] });
    const [row] = inspect<{ usage: string; cost: string; error: string; input: string }>('SELECT usage, cost, error, input FROM runs');
    assert.equal(row.usage, JSON.stringify(richRun('r1', 'c1').usage));
    assert.equal(row.error, JSON.stringify(richRun('r1', 'c1').error));
    assert.deepStrictEqual(JSON.parse(row.input), richRun('r1', 'c1').input);
  });

  it('records each migration once and does not re-apply them on reopen', async () => {
    const first = await openAt(path, () => 1111);
    await first.close();
    await openAt(path, () => 2222);
    const expected = migrations.map((m) => ({ version: m.version, name: m.name, applied_at: 1111 }));
    assert.deepStrictEqual(inspect('SELECT version, name, applied_at FROM schema_migrations ORDER BY version'), expected);
    assert.equal(expected.length, latestSchemaVersion);
  });

  it('refuses a database with a newer schema version, naming both versions', async () => {
    const first = await openAt(path);
    await first.close();
    const db = new DatabaseSync(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(latestSchemaVersion + 1, 'from the future', 0);
    db.close();

    const store = new SqliteStore({ path });
    await assert.rejects(store.init(), {
      message:
        `SQLite database schema is at version ${latestSchemaVersion + 1}, but this Confab only knows up to version ` +
        `${latestSchemaVersion}; upgrade Confab or use another data directory`,
    });
    await assert.rejects(store.getProject('alpha'), { message: 'SqliteStore is not open: call init() first' });
  });

  it('rolls back a migration that fails, leaving no trace of it', () => {
    const db = new DatabaseSync(':memory:');
    const broken = [...migrations, { version: migrations.length + 1, name: 'broken', sql: 'CREATE TABLE half (x); SELECT * FROM nowhere;' }];
    assert.throws(() => migrate(db, { now: () => 0, list: broken }), /no such table: nowhere/);
    assert.deepStrictEqual(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all(), []);
    assert.equal((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v, latestSchemaVersion);
    db.close();
  });

  it('indexes the messages written before full-text search existed, once they are migrated (schema 6)', async () => {
    const store = await openAt(path);
    await store.createProject(project('alpha'));
    await store.commit({ conversations: [conversation('c1')], messages: [message('m1', 'c1', { parts: [{ id: 'p', kind: 'text', text: 'Old notes about Kubernetes' }] })] });
    await store.close();
    // Back to schema 5, as a database written before search: no column, no index.
    const db = new DatabaseSync(path);
    db.exec('DROP TABLE message_search; DROP TRIGGER message_search_insert; DROP TRIGGER message_search_delete; DROP TRIGGER message_search_update;');
    db.exec('ALTER TABLE messages DROP COLUMN search_text; DELETE FROM schema_migrations WHERE version = 6;');
    db.close();
    const reopened = await openAt(path);
    const hits = await reopened.searchMessages({ terms: ['kube'], limit: 5 });
    assert.deepStrictEqual(hits.map((hit) => [hit.messageId, hit.snippet, hit.highlights]), [['m1', 'Old notes about Kubernetes', [[16, 20]]]]);
    await reopened.commit({ messages: [message('m1', 'c1', { parts: [{ id: 'p', kind: 'text', text: 'nothing left' }] })] });
    assert.deepStrictEqual(await reopened.searchMessages({ terms: ['kube'], limit: 5 }), []);
  });

  it('works on an in-memory database', async () => {
    const store = await openAt(':memory:');
    await store.createProject(project('alpha'));
    assert.deepStrictEqual(await store.listProjects(), [project('alpha')]);
  });

  it('is opened by openStore at <dataDir>/confab.db, initialised', async () => {
    const store = await openStore({ kind: 'sqlite', dataDir: join(directory, 'data') });
    await store.createProject(project('alpha'));
    await store.close();
    assert.equal(existsSync(join(directory, 'data', 'confab.db')), true);
  });
});
