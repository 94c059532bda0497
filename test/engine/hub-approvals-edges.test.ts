/**
 * Approvals at the edges: a tool that declares `needsApproval` asks with no configuration; a
 * waiting conversation may leave memory and still be answered; deleting it leaves its expiry timer
 * nothing to do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import type { Approval } from '../../src/domain/approval-schemas.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { ToolRegistry } from '../../src/tools/tool-registry.ts';
import { EventCollector, makeHub } from '../support/hub-fixture.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { ScriptedSource, textStep, type ScriptItem } from '../support/scripted-source.ts';

const call = (toolName: string, input: unknown): ScriptItem[] => [
  { type: 'tool-call', toolCallId: 'call-1', toolName, input },
  { type: 'finish', finishReason: 'tool-calls', usage: undefined },
];
const isType = (type: ConfabEvent['type']) => (event: ConfabEvent) => event.type === type;
const approvalOf = (event: ConfabEvent): Approval => (event as Extract<ConfabEvent, { type: 'approval-requested' }>).data.approval;

describe('approvals at the edges', () => {
  it('a tool that declares needsApproval asks without any configuration, and runs once allowed', async () => {
    const written: string[] = [];
    const tools = new ToolRegistry().register({
      name: 'write_note',
      description: 'Writes a note.',
      input: z.object({ text: z.string() }),
      needsApproval: true,
      execute: async ({ text }) => (written.push(text), 'written'),
    });
    const source = new ScriptedSource().enqueue(call('write_note', { text: 'hello' }), textStep(['ok']));
    const fixture = await makeHub(source, { tools });
    try {
      const events = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
      await fixture.hub.send(fixture.conversation.id, { content: 'write it' });
      const approval = approvalOf(await events.waitFor(isType('approval-requested')));
      assert.deepEqual(written, [], 'not run before it is allowed');
      await fixture.hub.approve(fixture.conversation.id, approval.id, { decision: 'allow-once' });
      await events.waitFor(isType('run-completed'));
      assert.deepEqual(written, ['hello']);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a waiting conversation released from memory is loaded again by the answer, and its run resumes', async () => {
    const clock = new ManualClock();
    const source = new ScriptedSource().enqueue(call('read_file', { path: 'notes.txt' }), textStep(['read']));
    const fixture = await makeHub(source, { clock, approvals: { tools: ['read_file'] }, limits: { idleReleaseMs: 1_000 } });
    try {
      const id = fixture.conversation.id;
      const events = new EventCollector(await fixture.hub.subscribe(id));
      await fixture.hub.send(id, { content: 'read' });
      const approval = approvalOf(await events.waitFor(isType('approval-requested')));
      await events.waitFor(isType('run-requires-action'));
      events.close();
      // The execution that parked the run ends just after its last event: let it let go first.
      await new Promise((resolve) => setTimeout(resolve, 50));
      clock.advance(1_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(fixture.hub.sessions(), [], 'a parked run does not keep its conversation in memory');

      await fixture.hub.approve(id, approval.id, { decision: 'allow-once' });
      let status: string | undefined;
      for (let i = 0; i < 200 && status !== 'completed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        status = (await fixture.store.getRun(approval.runId))?.status;
      }
      assert.equal(status, 'completed');
    } finally {
      await fixture.cleanup();
    }
  });

  it('deleting a waiting conversation removes its approvals; its expiry timer then finds nothing to do', async () => {
    const clock = new ManualClock();
    const source = new ScriptedSource().enqueue(call('read_file', { path: 'notes.txt' }));
    const fixture = await makeHub(source, { clock, approvals: { tools: ['read_file'], expiryMs: 5_000 } });
    try {
      const events = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
      await fixture.hub.send(fixture.conversation.id, { content: 'read' });
      const approval = approvalOf(await events.waitFor(isType('approval-requested')));
      await events.waitFor(isType('run-requires-action'));
      await fixture.hub.deleteConversation(fixture.conversation.id);
      assert.equal(await fixture.store.getApproval(approval.id), undefined);
      clock.advance(5_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(clock.pending, 0, 'no timer is left behind');
    } finally {
      await fixture.cleanup();
    }
  });

  it('two answers at once: one is taken, the other gets approval_closed', async () => {
    const source = new ScriptedSource().enqueue(call('read_file', { path: 'notes.txt' }), textStep(['ok']));
    const fixture = await makeHub(source, { approvals: { tools: ['read_file'] } });
    try {
      const id = fixture.conversation.id;
      const events = new EventCollector(await fixture.hub.subscribe(id));
      await fixture.hub.send(id, { content: 'read' });
      const approval = approvalOf(await events.waitFor(isType('approval-requested')));
      const answers = await Promise.allSettled([
        fixture.hub.approve(id, approval.id, { decision: 'allow-once' }),
        fixture.hub.approve(id, approval.id, { decision: 'deny' }),
      ]);
      assert.deepEqual(answers.map((answer) => answer.status), ['fulfilled', 'rejected']);
      assert.equal((answers[1] as PromiseRejectedResult).reason.code, 'approval_closed');
      await events.waitFor(isType('run-completed'));
      assert.equal(events.events.filter(isType('approval-resolved')).length, 1);
      assert.equal(events.events.filter(isType('run-resumed')).length, 1);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });
});
