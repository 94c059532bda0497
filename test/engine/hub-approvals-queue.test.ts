/**
 * A pending approval blocks only its run: it holds no worker (another conversation runs even with
 * one run slot), and later runs of its own conversation wait behind it, in order, and can be stopped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Approval } from '../../src/domain/approval-schemas.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { EventCollector, makeHub } from '../support/hub-fixture.ts';
import { ScriptedSource, textStep, type ScriptItem } from '../support/scripted-source.ts';

const readNotes: ScriptItem[] = [
  { type: 'tool-call', toolCallId: 'call-1', toolName: 'read_file', input: { path: 'notes.txt' } },
  { type: 'finish', finishReason: 'tool-calls', usage: undefined },
];
const isType = (type: ConfabEvent['type'], runId?: string) => (event: ConfabEvent) => event.type === type && (runId === undefined || event.runId === runId);
const approvalOf = (event: ConfabEvent): Approval => (event as Extract<ConfabEvent, { type: 'approval-requested' }>).data.approval;

describe('a pending approval blocks only its run', () => {
  it('holds no run slot: with one slot, another conversation runs while it waits', async () => {
    const source = new ScriptedSource().enqueue(readNotes, textStep(['other']), textStep(['first']));
    const fixture = await makeHub(source, { approvals: { tools: ['read_file'] }, limits: { maxConcurrentRuns: 1 } });
    try {
      const waiting = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
      const { run } = await fixture.hub.send(fixture.conversation.id, { content: 'read' });
      const approval = approvalOf(await waiting.waitFor(isType('approval-requested')));
      await waiting.waitFor(isType('run-requires-action'));

      const other = await fixture.hub.createConversation({ projectName: 'demo', model: 'test/model' });
      const otherEvents = new EventCollector(await fixture.hub.subscribe(other.id));
      await fixture.hub.send(other.id, { content: 'hello' });
      await otherEvents.waitFor(isType('run-completed'));

      await fixture.hub.approve(fixture.conversation.id, approval.id, { decision: 'allow-once' });
      await waiting.waitFor(isType('run-completed', run.id));
      waiting.close();
      otherEvents.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('later runs of the conversation queue behind it and start, in order, once it ends', async () => {
    const source = new ScriptedSource().enqueue(readNotes, textStep(['first']), textStep(['second']), textStep(['third']));
    const fixture = await makeHub(source, { approvals: { tools: ['read_file'] } });
    try {
      const id = fixture.conversation.id;
      const events = new EventCollector(await fixture.hub.subscribe(id));
      const first = await fixture.hub.send(id, { content: 'read' });
      const approval = approvalOf(await events.waitFor(isType('approval-requested')));
      await events.waitFor(isType('run-requires-action'));
      const second = await fixture.hub.send(id, { content: 'then this' });
      const third = await fixture.hub.send(id, { content: 'and this', onBusy: 'interrupt' });
      assert.equal(second.run.status, 'queued');
      await assert.rejects(fixture.hub.send(id, { content: 'no', onBusy: 'reject' }), { code: 'conversation_busy' });
      await assert.rejects(fixture.hub.continue(id), { code: 'conversation_busy' });
      // Give the queue every chance to start them: they must not start.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(events.events.some(isType('run-started', second.run.id)), false);
      assert.equal(source.requests.length, 1);

      await fixture.hub.approve(id, approval.id, { decision: 'allow-once' });
      await events.waitFor(isType('run-completed', third.run.id));
      const order = events.events.filter((event) => event.type === 'run-started' || event.type === 'run-resumed' || event.type === 'run-completed').map((event) => `${event.type}:${[first, second, third].findIndex((sent) => sent.run.id === event.runId) + 1}`);
      // `interrupt` does not stop a run waiting for a person: the new run waits its turn like the others.
      assert.deepEqual(order, ['run-started:1', 'run-resumed:1', 'run-completed:1', 'run-started:2', 'run-completed:2', 'run-started:3', 'run-completed:3']);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a run held behind it can be stopped; stopping the waiting run then starts nothing held', async () => {
    const source = new ScriptedSource().enqueue(readNotes, textStep(['never']));
    const fixture = await makeHub(source, { approvals: { tools: ['read_file'] } });
    try {
      const id = fixture.conversation.id;
      const events = new EventCollector(await fixture.hub.subscribe(id));
      const first = await fixture.hub.send(id, { content: 'read' });
      await events.waitFor(isType('run-requires-action'));
      const held = await fixture.hub.send(id, { content: 'then this' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const stoppedHeld = await fixture.hub.stop(id, { runId: held.run.id });
      assert.equal(stoppedHeld.run?.status, 'stopped');
      const stoppedFirst = await fixture.hub.stop(id);
      assert.equal(stoppedFirst.run?.id, first.run.id);
      assert.equal(stoppedFirst.run?.status, 'stopped');
      assert.equal(source.requests.length, 1);
      assert.deepEqual((await fixture.hub.getConversation(id)).state.runs.map((run) => run.status), ['stopped']);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a stop that comes after the answer but before the run resumed still stops it; the tool never runs', async () => {
    const hold: ScriptItem[] = [{ type: 'text-start', id: 't' }, { type: 'hold' }, { type: 'text-end', id: 't' }, { type: 'finish', finishReason: 'stop', usage: undefined }];
    const source = new ScriptedSource().enqueue(readNotes, hold, textStep(['never']));
    const fixture = await makeHub(source, { approvals: { tools: ['read_file'] }, limits: { maxConcurrentRuns: 1 } });
    try {
      const id = fixture.conversation.id;
      const events = new EventCollector(await fixture.hub.subscribe(id));
      const { run } = await fixture.hub.send(id, { content: 'read' });
      const approval = approvalOf(await events.waitFor(isType('approval-requested')));
      await events.waitFor(isType('run-requires-action'));
      // Another conversation takes the only run slot, so the answered run cannot resume yet.
      const other = await fixture.hub.createConversation({ projectName: 'demo', model: 'test/model' });
      const holding = source.waitForHold();
      await fixture.hub.send(other.id, { content: 'busy' });
      await holding;
      await fixture.hub.approve(id, approval.id, { decision: 'allow-once' });
      const stopped = fixture.hub.stop(id, { runId: run.id });
      source.release();
      assert.equal((await stopped).run?.status, 'stopped');
      const states = events.events.flatMap((event) => (event.type === 'tool-call' ? [event.data.part.state.status] : []));
      assert.equal(states.includes('running'), false, 'the tool never ran');
      assert.equal(states.at(-1), 'error');
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });
});
