import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JournalEntry } from './journal.ts';
import type { JournalBackend, JournalStorage, OpenedJournal } from './journal-test-backends.ts';
import { conversation, project } from './store-test-records.ts';

export const journalEntry = (conversationId: string, seq: number, body = `{"n":${seq}}`): JournalEntry => ({ conversationId, seq, body, bytes: Buffer.byteLength(body) });
export const journalRange = (conversationId: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => journalEntry(conversationId, from + index));
const nothing = { epoch: undefined, firstSeq: undefined, lastSeq: undefined, bytes: 0 };

/**
 * The Journal contract (see journal.ts), run over one backend: each test gets new, empty storage
 * with the store and journal opened on it.
 */
export function runJournalContract(backend: JournalBackend): void {
  describe(`Journal contract: ${backend.name}`, () => {
    let storage: JournalStorage;
    let opened: OpenedJournal[] = [];
    const open = async (options?: { history?: string }) => {
      const one = await storage.open(options);
      opened.push(one);
      return one;
    };
    beforeEach(async () => {
      storage = await backend.storage();
    });
    afterEach(async () => {
      for (const one of opened) await one.close();
      opened = [];
      await storage.dispose();
    });

    it('writes in one transaction, reads after a seq in order, and reports the head', async () => {
      const { journal } = await open();
      await journal.write([...journalRange('c1', 1, 3), ...journalRange('c2', 1, 2)]);
      assert.equal(journal.writes, 1);
      assert.deepEqual(await journal.read('c1', 1), [
        { seq: 2, body: '{"n":2}' },
        { seq: 3, body: '{"n":3}' },
      ]);
      assert.deepEqual(await journal.read('c1', 3), []);
      assert.deepEqual(await journal.head('c1'), { epoch: undefined, firstSeq: 1, lastSeq: 3, bytes: 21 });
      assert.deepEqual(await journal.head('none'), nothing);
      await journal.setEpoch('c1', 'E1');
      await journal.setEpoch('c1', 'E2');
      assert.equal((await journal.head('c1')).epoch, 'E2');
    });

    it('keeps bodies byte for byte: quotes, escapes, non-ASCII and \\u0000', async () => {
      const { journal } = await open();
      const body = JSON.stringify({ data: { delta: 'hé "x"\n\u0000 😀', nested: { z: 1, a: [null] } } });
      await journal.write([journalEntry('c1', 1, body)]);
      assert.deepEqual(await journal.read('c1', 0), [{ seq: 1, body }]);
      assert.equal((await journal.head('c1')).bytes, Buffer.byteLength(body));
    });

    it('a write that fails part-way stores none of it', async () => {
      const { journal } = await open();
      await journal.write(journalRange('c1', 1, 2));
      await assert.rejects(journal.write([journalEntry('c2', 1), journalEntry('c1', 2)]), /unique/i);
      assert.deepEqual(await journal.head('c2'), nothing);
      assert.deepEqual((await journal.read('c1', 0)).map((row) => row.seq), [1, 2]);
      assert.equal(journal.writes, 1);
    });

    it('trims a prefix and finds the cut that keeps a byte bound', async () => {
      const { journal } = await open();
      await journal.write(journalRange('c1', 1, 10)); // 7 bytes each, 10 and up: 8
      assert.equal(await journal.cutForBytes('c1', 1000), undefined, 'under the bound: nothing must go');
      assert.equal(await journal.cutForBytes('c1', 24), 7, 'seqs 8–10 (22 bytes) fit, 7–10 (30) do not');
      assert.equal(await journal.trim('c1', 7), 49);
      assert.equal(await journal.trim('c1', 7), 0, 'nothing left to drop');
      assert.deepEqual(await journal.head('c1'), { epoch: undefined, firstSeq: 8, lastSeq: 10, bytes: 22 });
    });

    it("deleting a conversation deletes its events and epoch, also when its project's deletion cascades", async () => {
      const { store, journal } = await open();
      await store.createProject(project('p'));
      await store.commit({ conversations: [conversation('c1', { projectName: 'p' }), conversation('c2', { projectName: 'p' }), conversation('c3', { projectName: 'p' })] });
      await journal.write([...journalRange('c1', 1, 2), ...journalRange('c2', 1, 2), ...journalRange('c3', 1, 1)]);
      await journal.setEpoch('c1', 'E');
      await journal.setEpoch('c2', 'F');
      await store.deleteConversation('c1');
      assert.deepEqual(await journal.head('c1'), nothing);
      assert.equal((await journal.head('c2')).lastSeq, 2, 'the others are kept');
      await store.deleteProject('p');
      assert.deepEqual(await journal.head('c2'), nothing);
      assert.deepEqual(await journal.head('c3'), nothing);
    });

    it('lists the conversations whose events go past their records', async () => {
      const { store, journal } = await open();
      await store.createProject(project('p'));
      const conversations = ['c1', 'c2', 'c3'].map((id) => conversation(id, { projectName: 'p' }));
      await store.commit({ conversations, lastSeq: { c1: 2, c2: 3 } });
      await journal.write([...journalRange('c1', 1, 3), ...journalRange('c2', 1, 3), ...journalRange('orphan', 1, 1)]);
      assert.deepEqual(await journal.conversationsAhead(), ['c1']);
    });

    it('a journal opened again (another process) holds every entry and epoch written before, after a clean stop or none', async () => {
      const first = await open();
      await first.journal.write(journalRange('c1', 1, 3));
      await first.journal.setEpoch('c1', 'E');
      const second = await open();
      assert.deepEqual(await second.journal.head('c1'), { epoch: 'E', firstSeq: 1, lastSeq: 3, bytes: 21 });
      await second.journal.write(journalRange('c1', 4, 4));
      assert.deepEqual((await first.journal.read('c1', 2)).map((row) => row.seq), [3, 4]);
    });

    it('opened in another history after a stop that was not clean, it forgets the epochs and keeps the events', async () => {
      const first = await open({ history: 'one' });
      await first.journal.write(journalRange('c1', 1, 2));
      await first.journal.setEpoch('c1', 'E');
      const second = await open({ history: 'two' });
      assert.deepEqual(await second.journal.head('c1'), { epoch: undefined, firstSeq: 1, lastSeq: 2, bytes: 14 });
    });

    it('stores a large group commit whole', async () => {
      const { journal } = await open();
      const body = JSON.stringify({ delta: 'x'.repeat(200) });
      const entries = Array.from({ length: 100 }, (_, conversationIndex) => Array.from({ length: 50 }, (_, index) => journalEntry(`c${conversationIndex}`, index + 1, body))).flat();
      await journal.write(entries);
      assert.equal(journal.writes, 1);
      assert.deepEqual(await journal.head('c99'), { epoch: undefined, firstSeq: 1, lastSeq: 50, bytes: 50 * Buffer.byteLength(body) });
    });
  });
}
