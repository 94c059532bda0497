/**
 * The hub on the durable journal (SQLite): cursors survive restarts, a crash loses nothing a
 * watcher was shown, records are written at commands and run ends (not on a timer), and the
 * journal is compacted to its retention.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { messageText } from '../../src/events/apply-event.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { JournalEventLog } from '../../src/engine/event-log/journal-event-log.ts';
import type { ApprovalOptions } from '../../src/engine/approvals/approval-gate.ts';
import type { JournalRetention } from '../../src/engine/event-log/journal-conversation-log.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import type { StepSource } from '../../src/providers/stream-part.ts';
import { SqliteJournal } from '../../src/store/sqlite/sqlite-journal.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { EventCollector, isRunEnd, makeProjectDir, singleSourceModels } from '../support/hub-fixture.ts';
import { ScriptedSource, textStep } from '../support/scripted-source.ts';
import { eventually } from '../support/server-fixture.ts';

let epochs = 0;

/** A hub over the SQLite file at `path` with the journal, as `confab serve` builds it. */
type HubOptions = { bootId?: string; retention?: Partial<JournalRetention>; approvals?: ApprovalOptions; writer?: 'inline' | 'worker' };

async function openHub(path: string, source: StepSource, options: HubOptions = {}) {
  const store = new SqliteStore({ path, writer: options.writer });
  await store.init();
  const journal = new SqliteJournal({ database: store.database, writer: store.writer, bootId: options.bootId ?? 'boot-1' });
  const eventLog = new JournalEventLog({ journal, clock: systemClock, newEpoch: () => `E${++epochs}`, retention: options.retention });
  const hub = new SessionHub({ store, models: singleSourceModels(source), eventLog, approvals: options.approvals });
  const { recovered } = await hub.start();
  const rows = (conversationId: string) => (store.database.prepare('SELECT seq FROM journal WHERE conversation_id = ? ORDER BY seq').all(conversationId) as { seq: number }[]).map((row) => row.seq);
  return { store, journal, hub, recovered, rows, close: async () => (await hub.close(), await journal.close(), await store.close()) };
}

async function withData(test: (path: string, projectPath: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'confab-hub-journal-'));
  const project = await makeProjectDir();
  try {
    await test(join(dir, 'confab.db'), project.path);
  } finally {
    await project.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
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

// Both SQLite writers: inline on the event loop's connection, and a worker thread's (serve's default).
for (const writer of ['inline', 'worker'] as const) {
  const open = (path: string, source: StepSource, options: HubOptions = {}) => openHub(path, source, { ...options, writer });
  describe(`hub on the journal (${writer} writer)`, () => {
    it('a cursor from before a restart is replayed, not answered with a snapshot, and seqs go on', async () => {
      await withData(async (path, projectPath) => {
        const source = new ScriptedSource().enqueue(textStep(['before']), textStep(['after']));
        const first = await open(path, source);
        const conversationId = await newConversation(first.hub, projectPath);
        const watcher = new EventCollector(await first.hub.subscribe(conversationId));
        await first.hub.send(conversationId, { content: 'one' });
        const end = await watcher.waitFor(isRunEnd);
        watcher.close();
        await first.close();

        const second = await open(path, source);
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
      await withData(async (path, projectPath) => {
        const source = new ScriptedSource().enqueue(held(['Once ', 'upon ', 'a time'], 2));
        const crashed = await open(path, source);
        const conversationId = await newConversation(crashed.hub, projectPath);
        const watcher = new EventCollector(await crashed.hub.subscribe(conversationId));
        const holding = source.waitForHold();
        const { run } = await crashed.hub.send(conversationId, { content: 'story' });
        await holding;
        await watcher.waitFor((event) => event.type === 'part-delta' && event.data.delta === 'upon ');
        const lastSeen = watcher.events.at(-1)!;
        assert.equal((await crashed.store.getRun(run.id))?.status, 'queued', 'no checkpoint ran: the records are behind');

        // The process "dies": nothing is closed; a new hub opens the same file.
        const restarted = await open(path, new ScriptedSource());
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
      await withData(async (path, projectPath) => {
        const source = new ScriptedSource().enqueue(held(['kept ', 'lost'], 1));
        const crashed = await open(path, source);
        const conversationId = await newConversation(crashed.hub, projectPath);
        const watcher = new EventCollector(await crashed.hub.subscribe(conversationId));
        const holding = source.waitForHold();
        await crashed.hub.send(conversationId, { content: 'go' });
        await holding;
        await watcher.waitFor((event) => event.type === 'part-delta');
        const restarted = await open(path, new ScriptedSource(), { bootId: 'boot-2' });
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
      await withData(async (path, projectPath) => {
        const deltas = Array.from({ length: 200 }, (_, index) => `w${index} `);
        const source = new ScriptedSource().enqueue(textStep(deltas));
        const opened = await open(path, source);
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
      await withData(async (path, projectPath) => {
        const source = new ScriptedSource().enqueue(textStep(['done']));
        const opened = await open(path, source);
        const conversationId = await newConversation(opened.hub, projectPath);
        // Every write of an ended run checks, inside SQLite, that the journal already has its end.
        opened.store.database.exec(`
          CREATE TABLE ahead (run_id TEXT);
          CREATE TRIGGER run_end_journaled AFTER UPDATE ON runs WHEN NEW.status IN ('completed', 'stopped', 'failed', 'interrupted')
            AND NOT EXISTS (SELECT 1 FROM journal WHERE conversation_id = NEW.conversation_id AND body LIKE '{"runId":"' || NEW.id || '","type":"run-' || NEW.status || '"%')
          BEGIN INSERT INTO ahead VALUES (NEW.id); END;`);
        const watcher = new EventCollector(await opened.hub.subscribe(conversationId));
        const { run } = await opened.hub.send(conversationId, { content: 'go' });
        const end = await watcher.waitFor(isRunEnd);
        await opened.hub.close();
        assert.equal((await opened.store.getRun(run.id))?.status, 'completed');
        assert.deepEqual(opened.store.database.prepare('SELECT run_id FROM ahead').all().length, 0);
        assert.ok((await opened.store.getLastSeq(conversationId)) >= end.seq);
        watcher.close();
        await opened.journal.close();
        await opened.store.close();
      });
    });

    it('compacts the journal to the last runs once the records cover them', async () => {
      await withData(async (path, projectPath) => {
        const source = new ScriptedSource().enqueue(textStep(['a', 'b']), textStep(['c', 'd']), textStep(['e', 'f']));
        const opened = await open(path, source, { retention: { runs: 1 } });
        const conversationId = await newConversation(opened.hub, projectPath);
        const watcher = new EventCollector(await opened.hub.subscribe(conversationId));
        for (const content of ['one', 'two', 'three']) {
          const { run } = await opened.hub.send(conversationId, { content });
          await watcher.waitFor((event) => isRunEnd(event) && event.runId === run.id);
        }
        await opened.hub.updateConversation(conversationId, { title: 'checkpoint' });
        const ends = watcher.events.filter(isRunEnd).map((event) => event.seq);
        const held = opened.rows(conversationId);
        assert.equal(held[0], ends[1]! + 1, `held from the end of the run before the last: ${held[0]}..${held.at(-1)}`);
        watcher.close();
        await opened.close();
      });
    });

    it('after a crash a run parked for an approval still waits, with the run queued behind it; answering continues both', async () => {
      await withData(async (path, projectPath) => {
        const approvals = { tools: ['read_file'] };
        const readNotes = [
          { type: 'tool-call', toolCallId: 'call-1', toolName: 'read_file', input: { path: 'notes.txt' } },
          { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 5, outputTokens: 3 } },
        ] as const;
        const crashed = await open(path, new ScriptedSource().enqueue([...readNotes]), { approvals });
        const conversationId = await newConversation(crashed.hub, projectPath);
        const watcher = new EventCollector(await crashed.hub.subscribe(conversationId));
        const first = await crashed.hub.send(conversationId, { content: 'read my notes' });
        const requested = await watcher.waitFor((event) => event.type === 'approval-requested');
        await watcher.waitFor((event) => event.type === 'run-requires-action');
        const second = await crashed.hub.send(conversationId, { content: 'then say hi' });
        const lastSeen = watcher.events.at(-1)!;

        // The process "dies": nothing is closed; a new hub opens the same file.
        const source = new ScriptedSource().enqueue(textStep(['read it']), textStep(['hi']));
        const restarted = await open(path, source, { approvals });
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
