import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SearchSlots } from './search-slots.ts';

const never = new AbortController().signal;

test('callers past the limit wait, in order, for a released slot', async () => {
  const slots = new SearchSlots(2);
  const order: string[] = [];
  const first = await slots.acquire(never);
  const second = await slots.acquire(never);
  const third = slots.acquire(never).then((release) => (order.push('third'), release));
  const fourth = slots.acquire(never).then((release) => (order.push('fourth'), release));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, []);
  first();
  first(); // releasing twice frees one slot only
  (await third)();
  second();
  (await fourth)();
  assert.deepEqual(order, ['third', 'fourth']);
  // All slots free again: two acquire at once without waiting.
  await slots.acquire(never);
  await slots.acquire(never);
});

test('aborting while waiting rejects with the reason and gives up the place in line', async () => {
  const slots = new SearchSlots(1);
  const held = await slots.acquire(never);
  const controller = new AbortController();
  const reason = new Error('stopped');
  const waiting = slots.acquire(controller.signal);
  controller.abort(reason);
  await assert.rejects(waiting, (error) => error === reason);
  held();
  const next = await slots.acquire(never);
  next();
});

test('a caller that waits past maxWaitMs gets a clear busy error and leaves the line', async () => {
  const slots = new SearchSlots(1, 50);
  const held = await slots.acquire(never);
  await assert.rejects(slots.acquire(never), {
    name: 'ConfabError',
    code: 'rate_limited',
    message: 'search_text is busy: all 1 search slots are still in use after 50 ms; try again later',
  });
  held();
  const next = await slots.acquire(never);
  next();
});
