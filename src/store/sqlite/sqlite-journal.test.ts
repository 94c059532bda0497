import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { conversation, project } from '../store-test-records.ts';
import type { JournalEntry } from '../journal.ts';
import { SqliteJournal } from './sqlite-journal.ts';
import { SqliteStore } from './sqlite-store.ts';

const entry = (conversationId: string, seq: number, body = `{"n":${seq}}`): JournalEntry => ({ conversationId, seq, body, bytes: Buffer.byteLength(body) });
const range = (conversationId: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => entry(conversationId, from + index));

async function withFile(test: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'confab-journal-'));
  try {
    await test(join(dir, 'confab.db'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Both writers: inline on the reading connection, and a worker thread's own connection (serve's default).
for (const writer of ['inline', 'worker'] as const) {
  async function open(path: string, bootId = 'boot-a') {
    const store = new SqliteStore({ path, writer });
    await store.init();
    return { store, journal: new SqliteJournal({ database: store.database, writer: store.writer, bootId }) };
  }

  describe(`SqliteJournal (${writer} writer)`, () => {
    it('writes in one transaction, reads after a seq in order, and reports the head', async () => {
      await withFile(async (path) => {
        const { store, journal } = await open(path);
        await journal.write([...range('c1', 1, 3), ...range('c2', 1, 2)]);
        assert.equal(journal.writes, 1);
        assert.deepEqual(await journal.read('c1', 1), [
          { seq: 2, body: '{"n":2}' },
          { seq: 3, body: '{"n":3}' },
        ]);
        assert.deepEqual(await journal.head('c1'), { epoch: undefined, firstSeq: 1, lastSeq: 3, bytes: 21 });
        assert.deepEqual(await journal.head('none'), { epoch: undefined, firstSeq: undefined, lastSeq: undefined, bytes: 0 });
        await journal.setEpoch('c1', 'E1');
        await journal.setEpoch('c1', 'E2');
        assert.equal((await journal.head('c1')).epoch, 'E2');
        await store.close();
      });
    });

    it('a write that fails part-way stores none of it', async () => {
      await withFile(async (path) => {
        const { store, journal } = await open(path);
        await journal.write(range('c1', 1, 2));
        await assert.rejects(journal.write([entry('c2', 1), entry('c1', 2)]), /UNIQUE/);
        assert.deepEqual(await journal.head('c2'), { epoch: undefined, firstSeq: undefined, lastSeq: undefined, bytes: 0 });
        assert.equal(journal.writes, 1);
        await store.close();
      });
    });

    it('trims a prefix and finds the cut that keeps a byte bound', async () => {
      await withFile(async (path) => {
        const { store, journal } = await open(path);
        await journal.write(range('c1', 1, 10)); // 7 bytes each, 10 and up: 8
        assert.equal(await journal.cutForBytes('c1', 1000), undefined, 'under the bound: nothing must go');
        assert.equal(await journal.cutForBytes('c1', 24), 7, 'seqs 8–10 (22 bytes) fit, 7–10 (30) do not');
        assert.equal(await journal.trim('c1', 7), 49);
        assert.deepEqual(await journal.head('c1'), { epoch: undefined, firstSeq: 8, lastSeq: 10, bytes: 22 });
        await store.close();
      });
    });

    it("deleting a conversation deletes its events and epoch, also when its project's deletion cascades", async () => {
      await withFile(async (path) => {
        const { store, journal } = await open(path);
        await store.createProject(project('p'));
        await store.commit({ conversations: [conversation('c1', { projectName: 'p' }), conversation('c2', { projectName: 'p' })] });
        await journal.write([...range('c1', 1, 2), ...range('c2', 1, 2)]);
        await journal.setEpoch('c1', 'E');
        await journal.setEpoch('c2', 'F');
        await store.deleteConversation('c1');
        assert.deepEqual(await journal.head('c1'), { epoch: undefined, firstSeq: undefined, lastSeq: undefined, bytes: 0 });
        await store.deleteProject('p');
        assert.deepEqual(await journal.head('c2'), { epoch: undefined, firstSeq: undefined, lastSeq: undefined, bytes: 0 });
        await store.close();
      });
    });

    it('lists the conversations whose events go past their records', async () => {
      await withFile(async (path) => {
        const { store, journal } = await open(path);
        await store.createProject(project('p'));
        await store.commit({ conversations: [conversation('c1', { projectName: 'p' }), conversation('c2', { projectName: 'p' }), conversation('c3', { projectName: 'p' })], lastSeq: { c1: 2, c2: 3 } });
        await journal.write([...range('c1', 1, 3), ...range('c2', 1, 3)]);
        assert.deepEqual(await journal.conversationsAhead(), ['c1']);
        await store.close();
      });
    });

    it('forgets the epochs after another boot without a clean close, and only then', async () => {
      await withFile(async (path) => {
        let { store, journal } = await open(path, 'boot-a');
        await journal.setEpoch('c1', 'E');
        await journal.write(range('c1', 1, 2));
        await store.close(); // killed: no clean close
        ({ store, journal } = await open(path, 'boot-a'));
        assert.equal((await journal.head('c1')).epoch, 'E', 'the same boot after a kill: everything committed is there');
        await journal.close();
        await store.close();
        ({ store, journal } = await open(path, 'boot-b'));
        assert.equal((await journal.head('c1')).epoch, 'E', 'another boot after a clean close: nothing was lost');
        await store.close();
        ({ store, journal } = await open(path, 'boot-c'));
        const head = await journal.head('c1');
        assert.deepEqual([head.epoch, head.lastSeq], [undefined, 2], 'another boot after an unclean stop: the epoch goes, the events stay for recovery');
        await store.close();
      });
    });
  });
}
