import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { it } from 'node:test';
import { configureConnection } from './sqlite-connection.ts';
import { WorkerWriter } from './sqlite-writer.ts';

/** A file with one table, read on this thread's connection, and a worker writer over it. */
async function withWriter(test: (db: DatabaseSync, writer: WorkerWriter, path: string) => Promise<void>, options: { checkpointIntervalMs?: number } = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'confab-writer-'));
  const path = join(dir, 'x.db');
  const db = new DatabaseSync(path);
  configureConnection(db, 5000);
  db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const writer = new WorkerWriter(path, { busyTimeoutMs: 5000, ...options });
  try {
    await test(db, writer, path);
  } finally {
    await writer.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const insert = (n: number, body = `row ${n}`) => ({ kind: 'run' as const, sql: 'INSERT INTO t (n, body) VALUES (?, ?)', params: [n, body] });
const rows = (db: DatabaseSync) => db.prepare('SELECT n FROM t ORDER BY n').all().map((row) => row.n);

it('a worker writer commits on its own connection, in the order called, and `pending` lets a read see every write called before it', async () => {
  await withWriter(async (db, writer) => {
    const answers = [writer.write(insert(1)), writer.write(insert(2)), writer.write({ kind: 'run', sql: 'DELETE FROM t WHERE n = ?', params: [1] })];
    assert.ok(writer.pending, 'writes are in flight');
    await writer.pending;
    assert.deepEqual(rows(db), [2]);
    assert.deepEqual(await Promise.all(answers), [1, 1, 1], 'each answers with the rows it changed');
    assert.equal(writer.pending, undefined, 'nothing in flight once all are answered');
  });
});

it("a failed write is refused with SQLite's error and changes nothing; the writes after it still run", async () => {
  await withWriter(async (db, writer) => {
    await writer.write(insert(1));
    const [duplicate, next] = [writer.write(insert(1, 'again')), writer.write(insert(2))];
    await assert.rejects(duplicate, (error: Error & { errcode?: number }) => /UNIQUE constraint failed: t\.n/.test(error.message) && error.errcode === 1555);
    assert.equal(await next, 1);
    assert.deepEqual(rows(db), [1, 2]);
    assert.equal((db.prepare('SELECT body FROM t WHERE n = 1').get() as { body: string }).body, 'row 1');
  });
});

it('a journal append is one transaction: all of it or none of it', async () => {
  await withWriter(async (db, writer) => {
    db.exec('CREATE TABLE journal (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL, UNIQUE (conversation_id, seq))');
    const entry = (seq: number) => ({ conversationId: 'c', seq, body: '{}', bytes: 2 });
    assert.equal(await writer.write({ kind: 'journal-append', entries: [entry(1), entry(2)] }), 2);
    await assert.rejects(writer.write({ kind: 'journal-append', entries: [entry(3), entry(2)] }), /UNIQUE/);
    assert.deepEqual(db.prepare('SELECT seq FROM journal ORDER BY seq').all().map((row) => row.seq), [1, 2]);
    assert.equal(await writer.write({ kind: 'journal-trim', conversationId: 'c', through: 1 }), 2, 'trim answers with the bytes dropped');
  });
});

it('a write whose data cannot be copied to the thread is refused at once and sends nothing', async () => {
  await withWriter(async (db, writer) => {
    await assert.rejects(writer.write({ kind: 'run', sql: 'INSERT INTO t (n, body) VALUES (?, ?)', params: [1, (() => 'x') as never] }), /could not be cloned/);
    assert.equal(await writer.write(insert(2)), 1);
    assert.deepEqual(rows(db), [2]);
  });
});

it('close settles the writes called before it, and refuses later ones', async () => {
  await withWriter(async (db, writer) => {
    const written = Array.from({ length: 50 }, (_, n) => writer.write(insert(n + 1)));
    await writer.close();
    assert.equal((await Promise.all(written)).length, 50);
    assert.equal(rows(db).length, 50);
    await assert.rejects(writer.write(insert(99)), /closed/);
  });
});

it('the writer thread checkpoints the WAL into the database file by itself', async () => {
  await withWriter(
    async (db, writer, path) => {
      const before = statSync(path).size;
      for (let n = 1; n <= 300; n++) await writer.write(insert(n, 'x'.repeat(1000))); // far under the 10,000-page backstop
      const deadline = Date.now() + 20_000;
      while (statSync(path).size < before + 200_000 && Date.now() < deadline) {
        await writer.write(insert(1000 + Math.floor(Math.random() * 1e6)));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(statSync(path).size >= before + 200_000, `the database file grew from ${before} to ${statSync(path).size} bytes: the pages were checkpointed`);
      assert.ok(rows(db).length >= 300);
    },
    { checkpointIntervalMs: 10 },
  );
});
