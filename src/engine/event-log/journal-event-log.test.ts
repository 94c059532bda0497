import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import type { ConfabEvent } from '../../events/definitions.ts';
import { encodeEvent } from '../../events/encoded-event.ts';
import { journalEntry } from '../../store/journal-contract.ts';
import { disposeJournalBackends, selectedJournalBackends, type JournalBackend, type JournalStorage, type OpenedJournal } from '../../store/journal-test-backends.ts';
import { InstantClock } from '../../util/clock.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import type { EventDraft } from './event-log.ts';
import { JournalEventLog, type JournalEventLogOptions } from './journal-event-log.ts';

/** The journaled event log over each journal (CONFAB_TEST_JOURNALS: see store/journal-test-backends.ts). */

let epochs = 0;
after(disposeJournalBackends);
const { selected, skipped } = await selectedJournalBackends();

const partEnd = (n: number): EventDraft => ({ type: 'part-end', runId: 'run_1', data: { messageId: 'msg_1', partId: `part_${n}` } });
const delta = (text: string): EventDraft => ({ type: 'part-delta', runId: 'run_1', data: { messageId: 'msg_1', partId: 'p', delta: text } });
const runEnd = (runId: string): EventDraft => ({ type: 'run-interrupted', runId, data: { run: { id: runId } } as never });

for (const { name, reason } of skipped) it(`JournalEventLog on ${name}`, { skip: reason }, () => {});
for (const backend of selected) describeJournalEventLog(backend);

function describeJournalEventLog(backend: JournalBackend): void {
  describe(`JournalEventLog on ${backend.name}`, () => {
    let storage: JournalStorage | undefined;
    let opened: OpenedJournal | undefined;
    afterEach(async () => {
      await opened?.close();
      await storage?.dispose();
      [opened, storage] = [undefined, undefined];
    });

    async function setup(options: Partial<JournalEventLogOptions> = {}) {
      storage = await backend.storage();
      opened = await storage.open();
      const { store, journal } = opened;
      const eventLog = new JournalEventLog({ journal, clock: new InstantClock(), newEpoch: () => `E${++epochs}`, ...options });
      const rows = async (conversationId: string) => (await journal.read(conversationId, 0)).map((row) => row.seq);
      return { store, journal, eventLog, rows };
    }

    it('writes the appends of one event-loop turn, from every conversation, in one transaction', async () => {
      const { journal, eventLog } = await setup();
      const [first, second] = await Promise.all([eventLog.open('c1', { lastSeq: 0 }), eventLog.open('c2', { lastSeq: 0 })]);
      const before = journal.writes;
      await Promise.all([first.append([partEnd(1)]), second.append([partEnd(1), partEnd(2)]), first.append([partEnd(2)])]);
      assert.equal(journal.writes - before, 1);
      assert.deepEqual([first.lastSeq, second.lastSeq], [2, 2]);
    });

    it('with a commit interval, writes the first append at once and the appends of the next turns together, each delivered once stored', async () => {
      const clock = new ManualClock();
      const { journal, eventLog, rows } = await setup({ clock, commitIntervalMs: 5 });
      const log = await eventLog.open('c1', { lastSeq: 0 });
      const storedWhenShown: Promise<number[]>[] = [];
      await log.subscribe(undefined, { events: () => void storedWhenShown.push(rows('c1')), gap: () => {} });
      const before = journal.writes;
      await log.append([partEnd(1)]);
      assert.equal(journal.writes - before, 1, 'the first append after a quiet spell is not held back');
      const held = [log.append([partEnd(2)])];
      await new Promise((resolve) => setImmediate(resolve));
      held.push(log.append([partEnd(3)]));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual([journal.writes - before, storedWhenShown.length, log.lastSeq], [1, 1, 1], 'nothing is written or shown before the interval');
      assert.throws(() => new JournalEventLog({ journal, clock: new InstantClock(), newEpoch: () => 'E', commitIntervalMs: -1 }), RangeError);
      clock.advance(4);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(journal.writes - before, 1, 'still within the interval');
      clock.advance(1);
      assert.deepEqual((await Promise.all(held)).flat().map((event) => event.seq), [2, 3]);
      assert.equal(journal.writes - before, 2, 'the held appends shared one transaction');
      // Called once per event delivered: each saw every event of its transaction stored.
      assert.deepEqual(await Promise.all(storedWhenShown), [[1], [1, 2, 3], [1, 2, 3]]);
    });

    it('delivers an event only once it is stored, and a failed write delivers nothing and assigns no seq', async () => {
      const { journal, eventLog, rows } = await setup();
      const log = await eventLog.open('c1', { lastSeq: 0 });
      // Read as each delivery happens (the read is issued before anything else can be written).
      const storedWhenShown: Promise<number[]>[] = [];
      await log.subscribe(undefined, { events: () => void storedWhenShown.push(rows('c1')), gap: () => {} });
      await log.append([partEnd(1)]);
      assert.deepEqual(await Promise.all(storedWhenShown), [[1]]);
      // A real failure: a row the log does not know of takes seq 2.
      await journal.write([journalEntry('c1', 2)]);
      await assert.rejects(log.append([partEnd(2), partEnd(3)]), /unique/i);
      assert.deepEqual([log.lastSeq, storedWhenShown.length, await rows('c1')], [1, 1, [1, 2]]);
      await journal.trim('c1', 2);
      assert.deepEqual((await log.append([partEnd(4)])).map((event) => event.seq), [2], 'the refused seqs are given again');
      assert.deepEqual(await rows('c1'), [2]);
    });

    it('hands the wire JSON over once, and a replay reads back the same bytes', async () => {
      const { eventLog } = await setup();
      const log = await eventLog.open('conv "quoted"', { lastSeq: 0 });
      const delivered = await log.append([delta('hé "x"\n'), { type: 'part-end', runId: null, data: { messageId: 'm', partId: 'p', providerMetadata: { a: { b: [1, null] } } } }]);
      for (const event of delivered) assert.equal(encodeEvent(event), JSON.stringify(event));
      const replayed = (await log.read(0)) as ConfabEvent[];
      assert.deepEqual(replayed, delivered);
      assert.deepEqual(replayed.map(encodeEvent), delivered.map((event) => JSON.stringify(event)));
    });

    it('keeps the events of the last runs only, once the records cover them', async () => {
      const { eventLog, rows } = await setup({ retention: { runs: 1 } });
      const log = await eventLog.open('c1', { lastSeq: 0 });
      await log.append([partEnd(1), runEnd('r1'), partEnd(3), runEnd('r2'), partEnd(5), runEnd('r3')]);
      await log.checkpointed(3);
      assert.deepEqual(await rows('c1'), [4, 5, 6], 'no further than the records cover');
      await log.checkpointed(6);
      assert.deepEqual(await rows('c1'), [5, 6], 'the last run only');
      assert.equal(await log.read(3), undefined);
      assert.deepEqual((await log.read(4))?.map((event) => event.seq), [5, 6]);
    });

    it('keeps at most its byte bound once checkpointed, and asks for a checkpoint past its backlog bound', async () => {
      const { eventLog, rows } = await setup({ retention: { bytes: 500 }, checkpointBytes: 300 });
      const log = await eventLog.open('c1', { lastSeq: 0 });
      const texts = Array.from({ length: 10 }, (_, index) => `delta ${index}`);
      const events = await log.append(texts.map(delta));
      assert.equal(log.checkpointDue, true, '10 events of about 100 bytes are past 300');
      const sizes = events.map((event) => Buffer.byteLength(JSON.stringify({ runId: event.runId, type: event.type, at: event.at, data: event.data })));
      await log.checkpointed(10);
      assert.equal(log.checkpointDue, false);
      const kept = await rows('c1');
      const keptBytes = kept.reduce((sum, seq) => sum + sizes[seq - 1]!, 0);
      assert.ok(keptBytes <= 500 && keptBytes + sizes[kept[0]! - 2]! > 500, `the newest events that fit in 500 bytes: ${kept.join(',')} (${keptBytes} bytes)`);
    });

    it('a journal that does not reach back to its records starts a new epoch and keeps nothing it cannot replay', async () => {
      const { eventLog, journal, rows } = await setup();
      const first = await eventLog.open('c1', { lastSeq: 0 });
      await first.append([partEnd(1), partEnd(2), partEnd(3)]);
      first.close();
      await journal.trim('c1', 1);
      const reopened = await eventLog.open('c1', { lastSeq: 0 });
      assert.notEqual(reopened.epoch, first.epoch, 'event 1 is gone: the records at 0 cannot be folded forward');
      assert.deepEqual([reopened.lastSeq, await rows('c1')], [0, []]);
    });

    it('an append whose data is not JSON fails alone; the others in its transaction are written', async () => {
      const { eventLog } = await setup();
      const log = await eventLog.open('c1', { lastSeq: 0 });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const bad = log.append([{ type: 'part-end', runId: null, data: { messageId: 'm', partId: 'p', providerMetadata: cyclic } } as EventDraft]);
      const good = log.append([partEnd(1)]);
      await assert.rejects(bad, TypeError);
      assert.deepEqual((await good).map((event) => event.seq), [1]);
      assert.deepEqual((await log.append([partEnd(2)])).map((event) => event.seq), [2], 'later turns still commit');
    });

    it('a short replay is served from the events just delivered; an older one is read back from the journal', async () => {
      const { journal, eventLog } = await setup();
      const log = await eventLog.open('c1', { lastSeq: 0 });
      const delivered = await log.append(Array.from({ length: 600 }, (_, index) => partEnd(index + 1)));
      let reads = 0;
      const read = journal.read.bind(journal);
      journal.read = (conversationId, after) => (reads++, read(conversationId, after));
      const [recent, again] = (await Promise.all([log.read(590), log.read(595)])) as [ConfabEvent[], ConfabEvent[]];
      assert.deepEqual(recent.map((event) => event.seq), [591, 592, 593, 594, 595, 596, 597, 598, 599, 600]);
      assert.deepEqual(recent, delivered.slice(590));
      assert.equal(again[0], recent[5], 'replays in the same turn share each event');
      assert.equal(reads, 0, 'nothing was read from the journal');
      const older = (await log.read(0))!;
      assert.equal(reads, 1);
      assert.equal(older.length, 600);
      assert.deepEqual(older, delivered);
    });

    it('a closed log refuses appends', async () => {
      const { eventLog } = await setup();
      const log = await eventLog.open('c1', { lastSeq: 0 });
      log.close();
      await assert.rejects(log.append([partEnd(1)]), /closed/);
    });
    it('a log left idle keeps no recent events: a replay then reads the journal, and new events are kept again', async () => {
      const { journal, eventLog } = await setup();
      let reads = 0;
      const read = journal.read.bind(journal);
      journal.read = (conversationId, after) => (reads++, read(conversationId, after));
      const log = await eventLog.open('c1', { lastSeq: 0 });
      const delivered = await log.append([partEnd(1), partEnd(2)]);
      assert.ok(log.idle, "a journal log can go idle");
      log.idle();
      assert.deepEqual(await log.read(0), delivered);
      assert.equal(reads, 1);
      const next = await log.append([partEnd(3)]);
      assert.deepEqual(await log.read(2), next);
      assert.equal(reads, 1, 'the event delivered after idle is kept');
    });

  });
}
