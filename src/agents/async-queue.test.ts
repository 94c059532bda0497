import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AsyncQueue } from './async-queue.ts';
import { PartQueue } from './part-queue.ts';

async function drain<T>(queue: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of queue) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

describe('AsyncQueue', () => {
  it('hands items to a waiting consumer in order, takes nothing after end, and ends the iteration', async () => {
    const queue = new AsyncQueue<number>();
    const drained = drain(queue);
    queue.push(1);
    await new Promise((resolve) => setImmediate(resolve));
    queue.push(2, 3);
    queue.end(4);
    queue.push(5);
    assert.deepEqual(await drained, { items: [1, 2, 3, 4], error: undefined });
  });

  it('a failure is thrown after what was queued before it, once', async () => {
    const queue = new AsyncQueue<string>();
    queue.push('a');
    queue.fail(new Error('gone'));
    queue.fail(new Error('later'));
    queue.push('b');
    const { items, error } = await drain(queue);
    assert.deepEqual(items, ['a']);
    assert.equal((error as Error).message, 'gone');
  });

  it('PartQueue joins waiting deltas of one stream, so what it holds grows with the text, not the number of pushes', async () => {
    const queue = new PartQueue();
    for (let index = 0; index < 1000; index++) queue.push({ type: 'text-delta', id: 't', delta: 'x' });
    queue.push({ type: 'reasoning-delta', id: 'r', delta: 'y' }, { type: 'text-delta', id: 't', delta: 'z' });
    queue.end();
    const { items } = await drain(queue);
    assert.deepEqual(items, [
      { type: 'text-delta', id: 't', delta: 'x'.repeat(1000) },
      { type: 'reasoning-delta', id: 'r', delta: 'y' },
      { type: 'text-delta', id: 't', delta: 'z' },
    ]);
  });
});
