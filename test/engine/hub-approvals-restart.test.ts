/**
 * Approvals are durable: acknowledged only once stored, and a restart (a new hub on the same SQLite
 * file) finds the run still waiting, with the runs queued behind it; answering then continues it.
 * Approvals that expired while the server was down are settled at start-up.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Approval } from '../../src/domain/approval-schemas.ts';
import type { ToolCallPart } from '../../src/domain/schemas.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { MemoryStore } from '../../src/store/memory/memory-store.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { StoreBatch } from '../../src/store/store.ts';
import { EventCollector, makeHub, singleSourceModels } from '../support/hub-fixture.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { ScriptedSource, textStep, type ScriptItem } from '../support/scripted-source.ts';

const readNotes: ScriptItem[] = [
  { type: 'tool-call', toolCallId: 'call-1', toolName: 'read_file', input: { path: 'notes.txt' } },
  { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 5, outputTokens: 3 } },
];
const isType = (type: ConfabEvent['type'], runId?: string) => (event: ConfabEvent) => event.type === type && (runId === undefined || event.runId === runId);
const approvalOf = (event: ConfabEvent): Approval => (event as Extract<ConfabEvent, { type: 'approval-requested' }>).data.approval;
const toolCallOf = (parts: { kind: string }[]) => parts.find((part): part is ToolCallPart => part.kind === 'tool-call')!;
const hour = 60 * 60 * 1000;

/** Parks a run (with a second run queued behind it) on a SQLite file, then shuts the hub down. */
async function parkThenShutDown(options: { clock?: ManualClock; expiryMs?: number } = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'confab-approvals-'));
  const path = join(dataDir, 'confab.db');
  const fixture = await makeHub(new ScriptedSource().enqueue(readNotes), { store: new SqliteStore({ path }), approvals: { tools: ['read_file'], expiryMs: options.expiryMs }, clock: options.clock });
  const conversationId = fixture.conversation.id;
  const events = new EventCollector(await fixture.hub.subscribe(conversationId));
  const first = await fixture.hub.send(conversationId, { content: 'read my notes' });
  const approval = approvalOf(await events.waitFor(isType('approval-requested')));
  await events.waitFor(isType('run-requires-action'));
  const second = await fixture.hub.send(conversationId, { content: 'then say hi' });
  events.close();
  await fixture.hub.close();
  await fixture.store.close();

  async function restart(source: ScriptedSource, clock?: ManualClock) {
    const store = new SqliteStore({ path });
    await store.init();
    const hub = new SessionHub({ store, models: singleSourceModels(source), approvals: { tools: ['read_file'], expiryMs: options.expiryMs }, clock });
    return { hub, store, started: hub.start() };
  }
  const cleanup = async () => {
    await fixture.project.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  };
  return { conversationId, first: first.run, second: second.run, approval, restart, path, cleanup };
}

describe('approvals across a restart', () => {
  it('the run still waits after a restart, the run queued behind it too; answering continues both', async () => {
    const parked = await parkThenShutDown();
    const source = new ScriptedSource().enqueue(textStep(['read it']), textStep(['hi']));
    const { hub, store, started } = await parked.restart(source);
    try {
      const { recovered } = await started;
      assert.deepEqual(recovered, [], 'nothing was interrupted');
      const { state } = await hub.getConversation(parked.conversationId);
      assert.deepEqual(state.runs.map((run) => [run.id, run.status]), [[parked.first.id, 'requires-action'], [parked.second.id, 'queued']]);
      assert.deepEqual(state.approvals, [parked.approval]);
      assert.deepEqual(toolCallOf(state.messages[1].parts).state, { status: 'awaiting-approval', input: { path: 'notes.txt' }, approvalId: parked.approval.id });
      assert.equal(state.messages.length, 2, 'the queued message is not added ahead of its turn');

      const events = new EventCollector(await hub.subscribe(parked.conversationId));
      await hub.approve(parked.conversationId, parked.approval.id, { decision: 'allow-once' });
      await events.waitFor(isType('run-completed', parked.second.id));
      const after = (await hub.getConversation(parked.conversationId)).state;
      assert.equal(toolCallOf(after.messages[1].parts).state.status, 'completed');
      assert.deepEqual(after.messages.map((message) => message.role), ['user', 'assistant', 'user', 'assistant']);
      assert.deepEqual((await store.listRuns(parked.conversationId)).map((run) => run.status), ['completed', 'completed']);
      assert.deepEqual(source.requests[0].messages.map((message) => message.role), ['user', 'assistant', 'tool']);
      events.close();
    } finally {
      await hub.close();
      await store.close();
      await parked.cleanup();
    }
  });

  it('an approval that expired while the server was down is settled at start-up, and its run carries on', async () => {
    const clock = new ManualClock();
    const parked = await parkThenShutDown({ clock, expiryMs: hour });
    const source = new ScriptedSource().enqueue(textStep(['too late']), textStep(['hi']));
    const later = new ManualClock(clock.now() + 2 * hour);
    const { hub, store, started } = await parked.restart(source, later);
    try {
      await started;
      const expired = await store.getApproval(parked.approval.id);
      assert.deepEqual([expired?.status, expired?.resolvedBy, expired?.decidedAt], ['expired', 'expiry', later.now()]);
      const events = new EventCollector(await hub.subscribe(parked.conversationId));
      await events.waitFor(isType('run-completed', parked.second.id));
      const { state } = await hub.getConversation(parked.conversationId);
      assert.equal((toolCallOf(state.messages[1].parts).state as { error?: string }).error, 'Not run: nobody answered its approval request before it expired.');
      events.close();
    } finally {
      await hub.close();
      await store.close();
      await parked.cleanup();
    }
  });

  it('a pending approval gets its expiry timer back at start-up', async () => {
    const clock = new ManualClock();
    const parked = await parkThenShutDown({ clock, expiryMs: hour });
    const later = new ManualClock(clock.now() + hour / 2);
    const { hub, store, started } = await parked.restart(new ScriptedSource().enqueue(textStep(['x']), textStep(['y'])), later);
    try {
      await started;
      assert.equal((await store.getApproval(parked.approval.id))?.status, 'pending');
      const events = new EventCollector(await hub.subscribe(parked.conversationId));
      later.advance(hour / 2);
      assert.equal(approvalOf(await events.waitFor(isType('approval-resolved'))).status, 'expired');
      await events.waitFor(isType('run-completed', parked.second.id));
      events.close();
    } finally {
      await hub.close();
      await store.close();
      await parked.cleanup();
    }
  });

  it('a run whose answer was stored just before the crash resumes at start-up', async () => {
    const parked = await parkThenShutDown();
    const answered: StoreBatch = { approvals: [{ ...parked.approval, status: 'allowed', decision: 'allow-once', resolvedBy: 'user', decidedAt: parked.approval.requestedAt + 1 }] };
    const direct = new SqliteStore({ path: parked.path });
    await direct.init();
    await direct.commit(answered);
    await direct.close();
    const source = new ScriptedSource().enqueue(textStep(['read it']), textStep(['hi']));
    const { hub, store, started } = await parked.restart(source);
    try {
      await started;
      const events = new EventCollector(await hub.subscribe(parked.conversationId));
      await events.waitFor(isType('run-completed', parked.second.id));
      assert.equal(toolCallOf((await hub.getConversation(parked.conversationId)).state.messages[1].parts).state.status, 'completed');
      events.close();
    } finally {
      await hub.close();
      await store.close();
      await parked.cleanup();
    }
  });

  it('approve is acknowledged only once the answer is stored', async () => {
    let gate: (() => void) | undefined;
    const store = new (class extends MemoryStore {
      override async commit(given: StoreBatch): Promise<void> {
        const batch = structuredClone(given); // taken when called, as every store does (store.ts)
        if (batch.approvals?.some((approval) => approval.status !== 'pending')) await new Promise<void>((resolve) => (gate = resolve));
        await super.commit(batch);
      }
    })();
    const fixture = await makeHub(new ScriptedSource().enqueue(readNotes, textStep(['ok'])), { store, approvals: { tools: ['read_file'] } });
    try {
      const events = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
      await fixture.hub.send(fixture.conversation.id, { content: 'read' });
      const approval = approvalOf(await events.waitFor(isType('approval-requested')));
      let acknowledged = false;
      const answer = fixture.hub.approve(fixture.conversation.id, approval.id, { decision: 'allow-once' }).then((result) => ((acknowledged = true), result));
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(acknowledged, false, 'not acknowledged while its commit waits');
      assert.equal(events.events.some(isType('approval-resolved')), false, 'nor announced');
      gate!();
      assert.equal((await answer).approval.status, 'allowed');
      assert.equal((await store.getApproval(approval.id))?.status, 'allowed');
      await events.waitFor(isType('run-completed'));
      events.close();
    } finally {
      gate?.();
      await fixture.cleanup();
    }
  });
});
