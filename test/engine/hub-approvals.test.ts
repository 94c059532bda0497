/**
 * Approvals end to end in the engine, with a scripted model: a call of a tool that needs approval
 * parks its run until someone answers; allow runs the tool, deny tells the model why, "always"
 * answers are remembered, and an unanswered approval expires.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Approval } from '../../src/domain/approval-schemas.ts';
import { ConfabError } from '../../src/domain/errors.ts';
import type { ToolCallPart, ToolState } from '../../src/domain/schemas.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { ScriptedSource, textStep, type ScriptItem } from '../support/scripted-source.ts';

const readNotes = (toolCallId = 'call-1'): ScriptItem[] => [
  { type: 'tool-call', toolCallId, toolName: 'read_file', input: { path: 'notes.txt' } },
  { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 5, outputTokens: 3 } },
];
const toolStates = (events: ConfabEvent[]): ToolState[] => events.flatMap((event) => (event.type === 'tool-call' ? [event.data.part.state] : []));
const approvalOf = (event: ConfabEvent): Approval => (event as Extract<ConfabEvent, { type: 'approval-requested' }>).data.approval;
const isType = (type: ConfabEvent['type']) => (event: ConfabEvent) => event.type === type;
const day = 24 * 60 * 60 * 1000;

async function parkedFixture(options: { expiryMs?: number; clock?: ManualClock } = {}) {
  const source = new ScriptedSource().enqueue(readNotes(), textStep(['done']));
  const fixture = await makeHub(source, { approvals: { tools: ['read_file'], expiryMs: options.expiryMs }, clock: options.clock });
  const events = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
  const { run } = await fixture.hub.send(fixture.conversation.id, { content: 'read my notes' });
  const approval = approvalOf(await events.waitFor(isType('approval-requested')));
  await events.waitFor(isType('run-requires-action'));
  return { ...fixture, source, events, run, approval, conversationId: fixture.conversation.id };
}

describe('approvals', () => {
  it('a call that needs approval parks its run with a stored request; an answer from another client runs the tool and the run completes', async () => {
    const f = await parkedFixture();
    try {
      const watcher = new EventCollector(await f.hub.subscribe(f.conversationId));
      assert.deepEqual(
        { ...f.approval, id: undefined, requestedAt: undefined, expiresAt: undefined },
        {
          id: undefined, conversationId: f.conversationId, runId: f.run.id, toolCallId: 'call-1', toolName: 'read_file', input: { path: 'notes.txt' }, source: 'tool',
          options: ['allow-once', 'allow-always', 'deny', 'deny-always'], status: 'pending', decision: null, resolvedBy: null, note: null, requestedAt: undefined, decidedAt: null, expiresAt: undefined,
        },
      );
      assert.equal(f.approval.expiresAt - f.approval.requestedAt, day, 'expires after 24 h by default');
      assert.deepEqual(toolStates(f.events.events), [{ status: 'pending', input: { path: 'notes.txt' } }, { status: 'awaiting-approval', input: { path: 'notes.txt' }, approvalId: f.approval.id }]);
      // Stored before it was announced; the run holds no worker and the model is not asked again.
      assert.deepEqual(await f.store.getApproval(f.approval.id), f.approval);
      assert.equal((await f.store.getRun(f.run.id))?.status, 'requires-action');
      assert.equal(f.source.requests.length, 1);
      const { state } = await f.hub.getConversation(f.conversationId);
      assert.deepEqual(state.approvals, [f.approval]);
      assert.equal(state.runs.at(-1)?.status, 'requires-action');
      assert.equal(f.hub.sessions()[0].status, 'requires-action');

      const answer = await f.hub.approve(f.conversationId, f.approval.id, { decision: 'allow-once' });
      assert.equal(answer.approval.status, 'allowed');
      assert.equal(answer.approval.resolvedBy, 'user');
      assert.equal((await f.store.getApproval(f.approval.id))?.status, 'allowed', 'stored when acknowledged');
      await watcher.waitFor(isRunEnd);
      const types = watcher.types().filter((type) => type.startsWith('run-') || type.startsWith('approval-') || type === 'tool-call');
      assert.deepEqual(types.slice(0, 4), ['approval-resolved', 'run-resumed', 'tool-call', 'tool-call']);
      assert.equal(types.at(-1), 'run-completed');
      assert.deepEqual(toolStates(watcher.events).map((s) => s.status), ['running', 'completed']);
      assert.match(JSON.stringify((toolStates(watcher.events)[1] as { output: unknown }).output), /beta/);
      const after = (await f.hub.getConversation(f.conversationId)).state;
      assert.equal(after.approvals, undefined);
      assert.equal(after.runs.at(-1)?.status, 'completed');
      assert.equal(after.runs.at(-1)?.steps, 2);
      assert.deepEqual(f.source.requests[1].messages.map((message) => message.role), ['user', 'assistant', 'tool']);

      await assert.rejects(f.hub.approve(f.conversationId, f.approval.id, { decision: 'deny' }), (error) => ConfabError.is(error, 'approval_closed') && /allowed by the user/.test(error.message));
      await assert.rejects(f.hub.approve(f.conversationId, 'appr_missing', { decision: 'deny' }), (error) => ConfabError.is(error, 'not_found'));
      await assert.rejects(f.hub.approve(f.conversationId, f.approval.id, { decision: 'maybe' as 'deny' }), (error) => ConfabError.is(error, 'bad_request'));
      watcher.close();
      f.events.close();
    } finally {
      await f.cleanup();
    }
  });

  it('deny sends the model an error result with the note; the tool never runs and the run carries on', async () => {
    const f = await parkedFixture();
    try {
      const { approval } = await f.hub.approve(f.conversationId, f.approval.id, { decision: 'deny', note: 'not today' });
      assert.deepEqual([approval.status, approval.decision, approval.note], ['denied', 'deny', 'not today']);
      await f.events.waitFor((event) => event.type === 'run-completed');
      const denied = toolStates(f.events.events).at(-1)!;
      assert.deepEqual(denied, { status: 'error', input: { path: 'notes.txt' }, error: 'Denied by the user, who wrote: not today', endedAt: (denied as { endedAt: number }).endedAt });
      const toolMessage = f.source.requests[1].messages.at(-1)!;
      assert.deepEqual(toolMessage, { role: 'tool', results: [{ toolCallId: 'call-1', toolName: 'read_file', output: 'Denied by the user, who wrote: not today', isError: true }] });
      f.events.close();
    } finally {
      await f.cleanup();
    }
  });

  it('allow-always is remembered: a later call of the tool runs without asking, announced as a remembered answer', async () => {
    const f = await parkedFixture();
    try {
      f.source.enqueue(readNotes('call-2'), textStep(['again']));
      await f.hub.approve(f.conversationId, f.approval.id, { decision: 'allow-always' });
      const updated = await f.events.waitFor((event) => event.type === 'conversation-updated' && event.data.conversation.toolRules !== undefined);
      assert.deepEqual((updated as Extract<ConfabEvent, { type: 'conversation-updated' }>).data.conversation.toolRules, { read_file: 'allow' });
      await f.events.waitFor(isRunEnd);
      assert.deepEqual((await f.store.getConversation(f.conversationId))?.toolRules, { read_file: 'allow' });

      const from = f.events.events.length;
      const second = await f.hub.send(f.conversationId, { content: 'once more' });
      await f.events.waitFor((event) => event.type === 'run-completed' && event.runId === second.run.id);
      const later = f.events.events.slice(from);
      assert.equal(later.some(isType('approval-requested')) || later.some(isType('run-requires-action')), false, 'nobody was asked');
      const remembered = approvalOf(later.find(isType('approval-resolved'))!);
      assert.deepEqual([remembered.status, remembered.decision, remembered.resolvedBy, remembered.toolCallId], ['allowed', 'allow-always', 'remembered', 'call-2']);
      assert.deepEqual(toolStates(later).map((state) => state.status), ['pending', 'running', 'completed']);
      assert.equal((await f.store.getApproval(remembered.id))?.resolvedBy, 'remembered');
      f.events.close();
    } finally {
      await f.cleanup();
    }
  });

  it('deny-always settles the other pending calls of the tool at once and refuses later ones without asking', async () => {
    const source = new ScriptedSource().enqueue(
      [...readNotes('call-1').slice(0, 1), ...readNotes('call-2')],
      textStep(['ok']),
      readNotes('call-3'),
      textStep(['fine']),
    );
    const fixture = await makeHub(source, { approvals: { tools: ['read_file'] } });
    try {
      const id = fixture.conversation.id;
      const events = new EventCollector(await fixture.hub.subscribe(id));
      await fixture.hub.send(id, { content: 'read twice' });
      await events.waitFor(isType('run-requires-action'));
      const [first, second] = events.events.filter(isType('approval-requested')).map(approvalOf);
      await fixture.hub.approve(id, first.id, { decision: 'deny-always' });
      await events.waitFor(isRunEnd);
      const settled = events.events.filter(isType('approval-resolved')).map(approvalOf);
      assert.deepEqual(settled.map((a) => [a.id, a.status, a.resolvedBy]), [[first.id, 'denied', 'user'], [second.id, 'denied', 'remembered']]);
      assert.equal(events.events.filter(isType('run-resumed')).length, 1, 'the run resumed once, with both answered');
      await assert.rejects(fixture.hub.approve(id, second.id, { decision: 'allow-once' }), (error) => ConfabError.is(error, 'approval_closed'));

      const from = events.events.length;
      await fixture.hub.send(id, { content: 'and again' });
      await events.waitFor((event) => isRunEnd(event) && events.events.indexOf(event) >= from);
      const later = events.events.slice(from);
      assert.equal(later.some(isType('approval-requested')), false);
      assert.equal((toolStates(later).at(-1) as { error: string }).error, 'Denied: calls of read_file are denied in this conversation.');
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('an unanswered approval expires after the configured time: the call is not run and the model is told why', async () => {
    const clock = new ManualClock();
    const f = await parkedFixture({ clock, expiryMs: 60_000 });
    try {
      clock.advance(59_999);
      assert.equal((await f.store.getApproval(f.approval.id))?.status, 'pending');
      clock.advance(1);
      const expired = approvalOf(await f.events.waitFor(isType('approval-resolved')));
      assert.deepEqual([expired.status, expired.resolvedBy, expired.decision, expired.decidedAt], ['expired', 'expiry', null, f.approval.expiresAt]);
      await f.events.waitFor(isRunEnd);
      assert.equal((toolStates(f.events.events).at(-1) as { error: string }).error, 'Not run: nobody answered its approval request before it expired.');
      assert.equal(f.events.events.find(isRunEnd)?.type, 'run-completed');
      await assert.rejects(f.hub.approve(f.conversationId, f.approval.id, { decision: 'allow-once' }), (error) => ConfabError.is(error, 'approval_closed') && /expired/.test(error.message));
      f.events.close();
    } finally {
      await f.cleanup();
    }
  });

  it('stop ends the wait: the approval is cancelled, the call never runs, the run ends stopped', async () => {
    const f = await parkedFixture();
    try {
      const { run } = await f.hub.stop(f.conversationId);
      assert.equal(run?.id, f.run.id);
      assert.equal(run?.status, 'stopped');
      const cancelled = approvalOf(f.events.events.find(isType('approval-resolved'))!);
      assert.deepEqual([cancelled.status, cancelled.resolvedBy], ['cancelled', 'stop']);
      const call = (await f.hub.getConversation(f.conversationId)).state.messages[1].parts.find((part): part is ToolCallPart => part.kind === 'tool-call')!;
      assert.equal(call.state.status, 'error');
      assert.equal((call.state as { error: string }).error, 'Not run: the run was stopped while it waited for approval.');
      assert.equal((await f.store.getRun(f.run.id))?.status, 'stopped');
      assert.equal(f.source.requests.length, 1, 'the model was not asked again');
      await assert.rejects(f.hub.approve(f.conversationId, f.approval.id, { decision: 'allow-once' }), (error) => ConfabError.is(error, 'approval_closed'));
      f.events.close();
    } finally {
      await f.cleanup();
    }
  });
});
