import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { journalRange as range } from '../journal-contract.ts';
import { SqliteJournal } from './sqlite-journal.ts';
import { SqliteStore } from './sqlite-store.ts';

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

  /** What only the SQLite journal does; the Journal contract (journal-contract.ts) runs over it in journal.test.ts. */
  describe(`SqliteJournal (${writer} writer)`, () => {
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
