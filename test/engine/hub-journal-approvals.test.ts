/**
 * Approvals on the durable journal, over each store that has one (CONFAB_TEST_JOURNALS): the
 * process dies right after the first durable write that records an approval being requested or
 * settled (the journal's or the store's, whichever comes first), and a watcher resuming from the
 * last cursor it saw must be replayed what changed: the request or the settlement, never left to
 * its next snapshot.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { JournalEventLog } from '../../src/engine/event-log/journal-event-log.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import type { ModelResolver } from '../../src/engine/run/run-context.ts';
import type { PermissionAnswer, StepSource } from '../../src/providers/stream-part.ts';
import type { Journal } from '../../src/store/journal.ts';
import { disposeJournalBackends, selectedJournalBackends, type JournalBackend, type JournalStorage } from '../../src/store/journal-test-backends.ts';
import type { Store, StoreBatch } from '../../src/store/store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { EventCollector, isRunEnd, singleSourceModels } from '../support/hub-fixture.ts';
import { ScriptedAgent } from '../support/scripted-agent.ts';
import { withJournalStorage } from '../support/journal-storage.ts';
import { ScriptedSource, textStep } from '../support/scripted-source.ts';

let epochs = 0;
after(disposeJournalBackends);
const { selected, skipped } = await selectedJournalBackends();

type Records = (approvals: { status: string }[]) => boolean;

/**
 * The process "dies" once a write that `matches` is durable: from then on every journal write and
 * store commit of this hub hangs, as if the process were gone; nothing it does afterwards lasts.
 */
function crashAfter(store: Store, journal: Journal, matches: { journal: (bodies: string[]) => boolean; store: Records }) {
  const crash = { happened: false };
  const hang = () => new Promise<never>(() => {});
  const crashingJournal: Journal = Object.assign(Object.create(journal) as Journal, {
    write: async (entries: Parameters<Journal['write']>[0]) => {
      if (crash.happened) return hang();
      await journal.write(entries);
      if (matches.journal(entries.map((entry) => entry.body))) crash.happened = true;
    },
    read: journal.read.bind(journal),
    head: journal.head.bind(journal),
    setEpoch: journal.setEpoch.bind(journal),
    trim: journal.trim.bind(journal),
    cutForBytes: journal.cutForBytes.bind(journal),
    conversationsAhead: journal.conversationsAhead.bind(journal),
  });
  const crashingStore = new Proxy(store, {
    get(target, property) {
      if (property === 'commit') {
        return async (batch: StoreBatch) => {
          if (crash.happened) return hang();
          await target.commit(batch);
          if (matches.store(batch.approvals ?? [])) crash.happened = true;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: crashingStore, journal: crashingJournal, crash };
}

async function openHub(storage: JournalStorage, source: StepSource | ModelResolver, crashOn?: { journal: (bodies: string[]) => boolean; store: Records }) {
  const opened = await storage.open();
  const parts = crashOn ? crashAfter(opened.store, opened.journal, crashOn) : { store: opened.store, journal: opened.journal, crash: undefined };
  const eventLog = new JournalEventLog({ journal: parts.journal, clock: systemClock, newEpoch: () => `E${++epochs}` });
  const models = 'resolve' in source ? source : singleSourceModels(source);
  const hub = new SessionHub({ store: parts.store, models, eventLog, approvals: { tools: ['read_file'] } });
  await hub.start();
  return { hub, crash: parts.crash, opened };
}

const readNotes = [
  { type: 'tool-call', toolCallId: 'call-1', toolName: 'read_file', input: { path: 'notes.txt' } },
  { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 5, outputTokens: 3 } },
] as const;

const requested: Records = (approvals) => approvals.some((approval) => approval.status === 'pending');
const settled: Records = (approvals) => approvals.some((approval) => approval.status !== 'pending');
const journals = (type: string) => (bodies: string[]) => bodies.some((body) => body.includes(`"type":"${type}"`));

/** A new conversation in project `demo`, watched from the start. */
async function watchedConversation(hub: SessionHub, projectPath: string, model = 'test/model'): Promise<{ conversationId: string; watcher: EventCollector }> {
  await hub.createProject({ name: 'demo', path: projectPath });
  const { id: conversationId } = await hub.createConversation({ projectName: 'demo', model });
  return { conversationId, watcher: new EventCollector(await hub.subscribe(conversationId)) };
}

async function until(done: () => boolean, what: () => string, timeoutMs = 30_000): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > timeoutMs) assert.fail(what());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Seqs right after `after`, each once, in order. */
function assertContiguous(events: ConfabEvent[], after: number): void {
  assert.deepEqual(
    events.map((event) => event.seq),
    events.map((_, index) => after + 1 + index),
    `replayed: ${events.map((event) => `${event.type}@${event.seq}`).join(', ')}`,
  );
}

for (const { name, reason } of skipped) it(`approvals on the ${name} journal`, { skip: reason }, () => {});
for (const backend of selected) describeApprovalCrashes(backend);

function describeApprovalCrashes(backend: JournalBackend): void {
  describe(`approvals on the ${backend.name} journal`, () => {
    it('a crash right after the request is first made durable: a resuming watcher is replayed the request and the parked run', async () => {
      await withJournalStorage(backend, async (storage, projectPath) => {
        const first = await openHub(storage, new ScriptedSource().enqueue([...readNotes]), { journal: journals('approval-requested'), store: requested });
        const { conversationId, watcher } = await watchedConversation(first.hub, projectPath);
        await first.hub.send(conversationId, { content: 'read my notes' });
        await until(() => first.crash!.happened, () => 'the approval was never made durable');
        const lastSeen = watcher.events.at(-1)!;
        const knew = watcher.types();

        const restarted = await openHub(storage, new ScriptedSource().enqueue(textStep(['read it'])));
        const resumed = new EventCollector(await restarted.hub.subscribe(conversationId, { after: lastSeen.cursor }));
        const all = () => [...knew, ...resumed.types()];
        await until(() => all().includes('run-requires-action'), () => `the watcher was not replayed the parked run; it knows ${all().join(', ')}`, 10_000);
        assert.notEqual(resumed.events[0]?.type, 'snapshot', 'the pre-crash cursor is replayed');
        assertContiguous(resumed.events, lastSeen.seq);
        assert.ok(all().indexOf('approval-requested') >= 0 && all().indexOf('approval-requested') < all().indexOf('run-requires-action'), all().join(', '));
        const { state } = await restarted.hub.getConversation(conversationId);
        const pending = state.approvals ?? [];
        assert.deepEqual(pending.map((approval) => approval.status), ['pending']);
        assert.deepEqual((await restarted.opened.store.listApprovals(conversationId)).map((approval) => [approval.id, approval.status]), [[pending[0]!.id, 'pending']], 'the record is stored too');

        await restarted.hub.approve(conversationId, pending[0]!.id, { decision: 'allow-once' });
        await resumed.waitFor(isRunEnd);
        watcher.close();
        resumed.close();
        await restarted.hub.close();
        await restarted.opened.close();
        await first.opened.store.close();
      });
    });

    it('a crash right after the answer is first made durable: a resuming watcher is replayed the settlement, and the run goes on', async () => {
      await withJournalStorage(backend, async (storage, projectPath) => {
        const first = await openHub(storage, new ScriptedSource().enqueue([...readNotes]), { journal: journals('approval-resolved'), store: settled });
        const { conversationId, watcher } = await watchedConversation(first.hub, projectPath);
        await first.hub.send(conversationId, { content: 'read my notes' });
        const asked = await watcher.waitFor((event) => event.type === 'run-requires-action');
        const approval = watcher.events.find((event) => event.type === 'approval-requested')!;
        if (approval.type !== 'approval-requested') throw new Error('unreachable');
        void first.hub.approve(conversationId, approval.data.approval.id, { decision: 'allow-once' });
        await until(() => first.crash!.happened, () => 'the answer was never made durable');
        const lastSeen = watcher.events.at(-1)!;
        const knew = watcher.types();
        assert.ok(lastSeen.seq >= asked.seq);

        const restarted = await openHub(storage, new ScriptedSource().enqueue(textStep(['read it'])));
        const resumed = new EventCollector(await restarted.hub.subscribe(conversationId, { after: lastSeen.cursor }));
        await resumed.waitFor(isRunEnd);
        assert.notEqual(resumed.events[0]?.type, 'snapshot', 'the pre-crash cursor is replayed');
        assertContiguous(resumed.events, lastSeen.seq);
        const all = [...knew, ...resumed.types()];
        assert.ok(all.includes('approval-resolved') && all.indexOf('approval-resolved') < all.indexOf('run-resumed'), all.join(', '));
        assert.equal(resumed.events.at(-1)!.type === 'conversation-updated' || isRunEnd(resumed.events.at(-1)!), true);
        assert.deepEqual((await restarted.opened.store.listApprovals(conversationId)).map((stored) => stored.status), ['allowed'], 'the record is stored too');
        watcher.close();
        resumed.close();
        await restarted.hub.close();
        await restarted.opened.close();
        await first.opened.store.close();
      });
    });

    it("a coding agent's request allowed from a client reaches the agent as allowed: the settlement is read as folded, before its record may be stored", async () => {
      await withJournalStorage(backend, async (storage, projectPath) => {
        const answers: PermissionAnswer[] = [];
        const agent = new ScriptedAgent().enqueue([
          { type: 'tool-call', toolCallId: 'c1', toolName: 'Bash', input: { command: 'make' }, providerExecuted: true },
          { type: 'permission-request', toolCallId: 'c1', toolName: 'Bash', input: { command: 'make' }, answer: (answer) => answers.push(answer) },
          { type: 'tool-result', toolCallId: 'c1', toolName: 'Bash', output: 'built', isError: false },
          { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } },
        ]);
        const { hub, opened } = await openHub(storage, { resolve: () => ({ source: agent, pricing: undefined }) });
        const { conversationId, watcher } = await watchedConversation(hub, projectPath, 'agent/x');
        const { run } = await hub.send(conversationId, { content: 'build' });
        const asked = await watcher.waitFor((event) => event.type === 'approval-requested');
        if (asked.type !== 'approval-requested') throw new Error('unreachable');
        await hub.approve(conversationId, asked.data.approval.id, { decision: 'allow-once' });
        const end = await watcher.waitFor((event) => isRunEnd(event) && event.runId === run.id);
        assert.deepEqual([end.type, answers], ['run-completed', ['allow']]);
        watcher.close();
        await hub.close();
        await opened.close();
      });
    });
  });
}
