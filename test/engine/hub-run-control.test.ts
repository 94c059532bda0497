import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageText } from '../../src/events/apply-event.ts';
import { MemoryRunQueue } from '../../src/engine/run-queue/memory-run-queue.ts';
import type { RunClaim, RunJob, RunWorker } from '../../src/engine/run-queue/run-queue.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { ScriptedSource, textStep } from '../support/scripted-source.ts';

/** A queue that claims runs at once but hands them to the worker only when let go: the gap between claim and start. */
class SlowStartQueue extends MemoryRunQueue {
  readonly claimed: { job: RunJob; start: () => void }[] = [];
  override setWorker(worker: RunWorker): void {
    super.setWorker((job: RunJob, claim: RunClaim) => new Promise<void>((resolve, reject) => {
      this.claimed.push({ job, start: () => worker(job, claim).then(resolve, reject) });
    }));
  }
}

describe('run control', () => {
  it('a stop that arrives between the claim of a run and its start is not lost', async () => {
    const queue = new SlowStartQueue({ concurrency: 4 });
    const source = new ScriptedSource().enqueue(textStep(['never', ' said']));
    const fixture = await makeHub(source, { runQueue: queue });
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const { run } = await hub.send(conversation.id, { content: 'go' });
      await waitUntil(() => queue.claimed.length === 1);
      const stopping = hub.stop(conversation.id);
      await new Promise((resolve) => setTimeout(resolve, 20));
      queue.claimed[0]!.start();
      const stopped = await stopping;
      assert.equal(stopped.run?.id, run.id);
      assert.equal(stopped.run?.status, 'stopped');
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-stopped');
      const assistant = (await hub.getConversation(conversation.id)).state.messages.at(-1)!;
      assert.equal(messageText(assistant), '', 'the stopped run wrote no text');
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('stop reaches the run through run control and answers with the run as it ended', async () => {
    const source = new ScriptedSource().enqueue([{ type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: 'partial' }, { type: 'hold' }]);
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const holding = source.waitForHold();
      const { run } = await hub.send(conversation.id, { content: 'go' });
      await holding;
      const [first, second] = await Promise.all([hub.stop(conversation.id), hub.stop(conversation.id, { runId: run.id })]);
      assert.equal(first.run?.status, 'stopped');
      assert.deepEqual(second.run, first.run, 'two clients stopping at once get the same ended run');
    } finally {
      await fixture.cleanup();
    }
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 3000 && !condition(); tries++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition());
}
