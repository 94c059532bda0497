import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRunQueue } from './memory-run-queue.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MemoryRunQueue', () => {
  it('runs one job per conversation at a time, in order, and front jumps the queue', async () => {
    const queue = new MemoryRunQueue({ concurrency: 10 });
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof deferred>>();
    queue.setWorker(async (job) => {
      started.push(job.runId);
      const gate = deferred();
      gates.set(job.runId, gate);
      await gate.promise;
    });
    queue.push({ conversationId: 'a', runId: 'a1' });
    queue.push({ conversationId: 'a', runId: 'a2' });
    queue.push({ conversationId: 'a', runId: 'a3' }, { front: true });
    await tick();
    assert.deepEqual(started, ['a1']);
    assert.deepEqual(queue.waiting('a').map((job) => job.runId), ['a3', 'a2']);
    gates.get('a1')!.resolve();
    await tick();
    assert.deepEqual(started, ['a1', 'a3']);
    assert.equal(queue.remove('a2'), true);
    assert.equal(queue.remove('a3'), false, 'a started run cannot be removed');
    gates.get('a3')!.resolve();
    await tick();
    assert.deepEqual(started, ['a1', 'a3']);
  });

  it('caps concurrency across conversations and survives a throwing worker', async () => {
    const queue = new MemoryRunQueue({ concurrency: 2 });
    const started: string[] = [];
    const gates: ReturnType<typeof deferred>[] = [];
    queue.setWorker(async (job) => {
      started.push(job.conversationId);
      if (job.conversationId === 'boom') throw new Error('worker failed');
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
    });
    for (const conversationId of ['boom', 'b', 'c', 'd']) queue.push({ conversationId, runId: conversationId });
    await tick();
    await tick();
    assert.deepEqual(started, ['boom', 'b', 'c']);
    assert.equal(queue.executing, 2);
    gates[0].resolve();
    await tick();
    await tick();
    assert.deepEqual(started, ['boom', 'b', 'c', 'd']);
  });
});
