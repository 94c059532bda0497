import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { it } from 'node:test';
import { WalCheckpointer } from './wal-checkpointer.ts';

it('a worker thread copies committed WAL pages into the database file while the writer does not checkpoint', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'confab-wal-'));
  const path = join(dir, 'x.db');
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const checkpointer = WalCheckpointer.start(db, { intervalMs: 20 })!;
    const before = statSync(path).size;
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    for (let n = 0; n < 300; n++) insert.run('x'.repeat(1000)); // 300 transactions, far under the 10,000-page backstop
    const deadline = Date.now() + 20_000;
    while (statSync(path).size < before + 200_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(statSync(path).size >= before + 200_000, `the database file grew from ${before} to ${statSync(path).size} bytes: the pages were checkpointed`);
    assert.equal((db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint, 10_000);
    await checkpointer.close();
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
});

it('an in-memory database has no file to checkpoint', () => {
  assert.equal(WalCheckpointer.start(new DatabaseSync(':memory:')), undefined);
});
