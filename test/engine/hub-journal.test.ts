/**
 * The hub on the durable journal, over each store that has one (SQLite, Postgres: CONFAB_TEST_JOURNALS,
 * see src/store/journal-test-backends.ts): cursors survive restarts, a crash loses nothing a
 * watcher was shown, records are written at commands and run ends (not on a timer), and the
 * journal is compacted to its retention.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { messageText } from '../../src/events/apply-event.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { JournalEventLog } from '../../src/engine/event-log/journal-event-log.ts';
import type { ApprovalOptions } from '../../src/engine/approvals/approval-gate.ts';
import type { JournalRetention } from '../../src/engine/event-log/journal-conversation-log.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import type { StepSource } from '../../src/providers/stream-part.ts';
import { disposeJournalBackends, selectedJournalBackends, type JournalBackend, type JournalStorage } from '../../src/store/journal-test-backends.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { EventCollector, isRunEnd, singleSourceModels } from '../support/hub-fixture.ts';
import { withJournalStorage } from '../support/journal-storage.ts';
import { ScriptedSource, textStep } from '../support/scripted-source.ts';
import { eventually } from '../support/server-fixture.ts';

let epochs = 0;
after(disposeJournalBackends);
const { selected, skipped } = await selectedJournalBackends();

/** A hub over `storage` with the journal, as `confab serve` builds it. `history`: the OS boot / database history it opens in. */
async function openHub(storage: JournalStorage, source: StepSource, options: { history?: string; retention?: Partial<JournalRetention>; approvals?: ApprovalOptions } = {}) {
  const opened = await storage.open({ history: options.history });
  const { store, journal } = opened;
  const eventLog = new JournalEventLog({ journal, clock: systemClock, newEpoch: () => `E${++epochs}`, retention: options.retention });
  const hub = new SessionHub({ store, models: singleSourceModels(source), eventLog, approvals: options.approvals });
  const { recovered } = await hub.start();
  const rows = async (conversationId: string) => (await journal.read(conversationId, 0)).map((row) => row.seq);
  return { store, journal, hub, recovered, rows, close: async () => (await hub.close(), await opened.close()) };
}

/**
 * Makes every write of an ended run record, inside the database, whether the journal already had
 * its end at that moment; `writes()` lists them.
 */
async function checkRunEndsJournaledFirst(store: Store): Promise<{ writes(): Promise<{ runId: string; journaled: boolean }[]> }> {
  const journaled = "EXISTS (SELECT 1 FROM journal WHERE conversation_id = NEW.conversation_id AND body LIKE '{\"runId\":\"' || NEW.id || '\",\"type\":\"run-' || NEW.status || '\"%')";
  const ended = "NEW.status IN ('completed', 'stopped', 'failed', 'interrupted')";
  const read = (rows: { run_id: string; journaled: unknown }[]) => rows.map((row) => ({ runId: row.run_id, journaled: Boolean(row.journaled) }));
  if (store instanceof SqliteStore) {
    store.database.exec(`
      CREATE TABLE run_end_writes (run_id TEXT, journaled INTEGER);
      CREATE TRIGGER run_end_journaled AFTER UPDATE ON runs WHEN ${ended}
      BEGIN INSERT INTO run_end_writes VALUES (NEW.id, ${journaled}); END;`);
    return { writes: async () => read(store.database.prepare('SELECT run_id, journaled FROM run_end_writes').all() as never) };
  }
  if (!(store instanceof PostgresStore)) throw new Error('a store without a journal');
  await store.pool.query(`
    CREATE TABLE run_end_writes (run_id TEXT, journaled BOOLEAN);
    CREATE FUNCTION run_end_journaled() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO run_end_writes VALUES (NEW.id, ${journaled}); RETURN NULL; END $$;
    CREATE TRIGGER run_end_journaled AFTER UPDATE ON runs FOR EACH ROW WHEN (${ended}) EXECUTE FUNCTION run_end_journaled();`);
  return { writes: async () => read((await store.pool.query('SELECT run_id, journaled FROM run_end_writes')).rows) };
}

async function newConversation(hub: SessionHub, projectPath: string): Promise<string> {
  await hub.createProject({ name: 'demo', path: projectPath });
  return (await hub.createConversation({ projectName: 'demo', model: 'test/model' })).id;
}

const held = (deltas: string[], after: number) => {
  const step = textStep(deltas);
  step.splice(1 + after, 0, { type: 'hold' });
  return step;
};
const deltasOf = (events: ConfabEvent[]) => events.flatMap((event) => (event.type === 'part-delta' ? [event.data.delta] : [])).join('');

for (const { name, reason } of skipped) it(`hub on the ${name} journal`, { skip: reason }, () => {});
for (const backend of selected) describeHubOnJournal(backend);

function describeHubOnJournal(backend: JournalBackend): void {
  describe(`hub on the ${backend.name} journal`, () => {
    it('a cursor from before a restart is replayed, not answered with a snapshot, and seqs go on', async () => {
      await withJournalStorage(backend, async (storage, projectPath) => {
        const source = new ScriptedSource().enqueue(textStep(['before']), textStep(['after']));
        const first = await openHub(storage, source);
        const conversationId = await newConversation(first.hub, projectPath);
        const watcher = new EventCollector(await first.hub.subscribe(conversationId));
        await first.hub.send(conversationId, { content: 'one' });
        const end = await watcher.waitFor(isRunEnd);
        watcher.close();
        await first.close();

        const second = await openHub(storage, source);
        const resumed = new EventCollector(await second.hub.subscribe(conversationId, { after: end.cursor }));
        await second.hub.send(conversationId, { content: 'two' });
        await resumed.waitFor((event) => isRunEnd(event) && event.seq > end.seq);
        assert.equal(resumed.events[0]!.type, 'conversation-updated', 'the rest of the first run, replayed');
        assert.deepEqual(resumed.events.map((event) => event.seq), resumed.events.map((_, index) => end.seq + 1 + index), 'no snapshot, no gap, no duplicate');
        assert.equal(resumed.events[0]!.cursor.split('.')[0], end.cursor.split('.')[0], 'the same epoch');
        assert.equal(deltasOf(resumed.events), 'after');
        resumed.close();
        await second.close();
      });
    });

    it('after a crash the stored partial is exactly what a watcher was shown, and its cursor replays to the interruption', async () => {
      await withJournalStorage(backend, async (storage, projectPath) => {
        const source = new ScriptedSource().enqueue(held(['Once ', 'upon ', 'a time'], 2));
        const crashed = await openHub(storage, source);
        const conversationId = await newConversation(crashed.hub, projectPath);
        const watcher = new EventCollector(await crashed.hub.subscribe(conversationId));
        const holding = source.waitForHold();
        const { run } = await crashed.hub.send(conversationId, { content: 'story' });
        await holding;
        await watcher.waitFor((event) => event.type === 'part-delta' && event.data.delta === 'upon ');
        const lastSeen = watcher.events.at(-1)!;
        assert.equal((await crashed.store.getRun(run.id))?.status, 'queued', 'no checkpoint ran: the records are behind');

        // The process "dies": nothing is closed; a new hub opens the same file.
        const restarted = await openHub(storage, new ScriptedSource());
        assert.deepEqual(restarted.recovered.map((recovered) => [recovered.id, recovered.status]), [[run.id, 'interrupted']]);
        const messages = await restarted.store.listMessages(conversationId);
        assert.deepEqual(
          messages.map((message) => [message.role, message.status, messageText(message)]),
          [
            ['user', 'completed', 'story'],
            ['assistant', 'interrupted', 'Once upon '],
          ],
        );
        const resumed = new EventCollector(await restarted.hub.subscribe(conversationId, { after: lastSeen.cursor }));
        await resumed.waitFor(isRunEnd);
        assert.deepEqual(resumed.types(), ['message-completed', 'run-interrupted'], 'exactly what recovery changed, after what the watcher saw');
        assert.equal(resumed.events[0]!.seq, lastSeen.seq + 1);
        resumed.close();
        watcher.close();
        await restarted.close();
        await crashed.store.close();
      });
    });

    it('after a possible power loss (another boot, no clean close) the epoch changes and the state is still folded', async () => {
      await withJournalStorage(backend, async (storage, projectPath) => {
        const source = new ScriptedSource().enqueue(held(['kept ', 'lost'], 1));
        const crashed = await openHub(storage, source);
        const conversationId = await newConversation(crashed.hub, projectPath);
        const watcher = new EventCollector(await crashed.hub.subscribe(conversationId));
        const holding = source.waitForHold();
        await crashed.hub.send(conversationId, { content: 'go' });
        await holding;
        await watcher.waitFor((event) => event.type === 'part-delta');
        const restarted = await openHub(storage, new ScriptedSource(), { history: 'boot-2' });
        const resumed = new EventCollector(await restarted.hub.subscribe(conversationId, { after: watcher.events.at(-1)!.cursor }));
        const [snapshot] = resumed.events;
        assert.equal(snapshot?.type, 'snapshot');
        if (snapshot?.type === 'snapshot') assert.equal(messageText(snapshot.data.state.messages.at(-1)!), 'kept ');
        resumed.close();
        watcher.close();
        await restarted.close();
        await crashed.store.close();
      });
    });

    it('writes records at commands and run ends, not while text streams, and one journal transaction per turn', async () => {
      await withJournalStorage(backend, async (storage, projectPath) => {
        const deltas = Array.from({ length: 200 }, (_, index) => `w${index} `);
        const source = new ScriptedSource().enqueue(textStep(deltas));
        const opened = await openHub(storage, source);
        const conversationId = await newConversation(opened.hub, projectPath);
        const watcher = new EventCollector(await opened.hub.subscribe(conversationId));
        const [commitsBefore, writesBefore] = [opened.hub.checkpointCommits, opened.hub.logWrites];
        const { run } = await opened.hub.send(conversationId, { content: 'count' });
        await watcher.waitFor(isRunEnd);
        // The records follow the journaled run end.
        await eventually(async () => (await opened.store.getRun(run.id))?.status === 'completed', 15_000, 'the run end in the records');
        const events = watcher.events.filter((event) => event.type !== 'snapshot').length;
        assert.equal(opened.hub.checkpointCommits - commitsBefore, 2, 'the send and the run end');
        assert.ok(opened.hub.logWrites - writesBefore <= events, `${opened.hub.logWrites - writesBefore} journal transactions for ${events} events`);
        assert.equal(messageText((await opened.store.listMessages(conversationId)).at(-1)!), deltas.join(''));
        watcher.close();
        await opened.close();
      });
    });

    it('a run end is journaled before its records are written: the records are never ahead of the log', async () => {
      await withJournalStorage(backend, async (storage, projectPath) => {
        const source = new ScriptedSource().enqueue(textStep(['done']));
        const opened = await openHub(storage, source);
        const conversationId = await newConversation(opened.hub, projectPath);
        const check = await checkRunEndsJournaledFirst(opened.store);
        const watcher = new EventCollector(await opened.hub.subscribe(conversationId));
        const { run } = await opened.hub.send(conversationId, { content: 'go' });
        const end = await watcher.waitFor(isRunEnd);
        await opened.hub.close();
        assert.equal((await opened.store.getRun(run.id))?.status, 'completed');
        assert.deepEqual(await check.writes(), [{ runId: run.id, journaled: true }]);
        assert.ok((await opened.store.getLastSeq(conversationId)) >= end.seq);
        watcher.close();
        await opened.journal.close();
        await opened.store.close();
      });
    });

    it('compacts the journal to the last runs once the records cover them', async () => {
      await withJournalStorage(backend, async (storage, projectPath) => {
        const source = new ScriptedSource().enqueue(textStep(['a', 'b']), textStep(['c', 'd']), textStep(['e', 'f']));
        const opened = await openHub(storage, source, { retention: { runs: 1 } });
        const conversationId = await newConversation(opened.hub, projectPath);
        const watcher = new EventCollector(await opened.hub.subscribe(conversationId));
        for (const content of ['one', 'two', 'three']) {
          const { run } = await opened.hub.send(conversationId, { content });
          await watcher.waitFor((event) => isRunEnd(event) && event.runId === run.id);
        }
        await opened.hub.updateConversation(conversationId, { title: 'checkpoint' });
        const ends = watcher.events.filter(isRunEnd).map((event) => event.seq);
        const held = await opened.rows(conversationId);
        assert.equal(held[0], ends[1]! + 1, `held from the end of the run before the last: ${held[0]}..${held.at(-1)}`);
        watcher.close();
        await opened.close();
      });
    });

    it('after a crash a run parked for an approval still waits, with the run queued behind it; answering continues both', async () => {
      await withJournalStorage(backend, async (storage, projectPath) => {
        const approvals = { tools: ['read_file'] };
        const readNotes = [
          { type: 'tool-call', toolCallId: 'call-1', toolName: 'read_file', input: { path: 'notes.txt' } },
          { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 5, outputTokens: 3 } },
        ] as const;
        const crashed = await openHub(storage, new ScriptedSource().enqueue([...readNotes]), { approvals });
        const conversationId = await newConversation(crashed.hub, projectPath);
        const watcher = new EventCollector(await crashed.hub.subscribe(conversationId));
        const first = await crashed.hub.send(conversationId, { content: 'read my notes' });
        const requested = await watcher.waitFor((event) => event.type === 'approval-requested');
        await watcher.waitFor((event) => event.type === 'run-requires-action');
        const second = await crashed.hub.send(conversationId, { content: 'then say hi' });
        const lastSeen = watcher.events.at(-1)!;

        // The process "dies": nothing is closed; a new hub opens the same file.
        const source = new ScriptedSource().enqueue(textStep(['read it']), textStep(['hi']));
        const restarted = await openHub(storage, source, { approvals });
        assert.deepEqual(restarted.recovered, [], 'nothing was interrupted');
        const { state } = await restarted.hub.getConversation(conversationId);
        assert.deepEqual(state.runs.map((run) => [run.id, run.status]), [[first.run.id, 'requires-action'], [second.run.id, 'queued']]);
        assert.deepEqual(state.approvals?.map((approval) => approval.id), [requested.type === 'approval-requested' ? requested.data.approval.id : '']);
        const resumed = new EventCollector(await restarted.hub.subscribe(conversationId, { after: lastSeen.cursor }));
        if (requested.type !== 'approval-requested') throw new Error('unreachable');
        await restarted.hub.approve(conversationId, requested.data.approval.id, { decision: 'allow-once' });
        await resumed.waitFor((event) => isRunEnd(event) && event.runId === second.run.id);
        assert.notEqual(resumed.events[0]!.type, 'snapshot', 'the pre-crash cursor is replayed');
        // The records follow the journaled run end.
        await eventually(async () => (await restarted.store.listRuns(conversationId)).every((run) => run.status === 'completed'), 15_000, 'both runs completed in the records');
        resumed.close();
        watcher.close();
        await restarted.close();
        await crashed.store.close();
      });
    });
  });
}
