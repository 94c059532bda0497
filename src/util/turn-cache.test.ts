import assert from 'node:assert/strict';
import { it } from 'node:test';
import { turnCache } from './turn-cache.ts';

it('a turn cache makes a value once per key within a turn, and again in a later turn', async () => {
  const made: string[] = [];
  const cached = turnCache((key: { name: string }) => {
    made.push(key.name);
    return { bytes: key.name.toUpperCase() };
  });
  const [a, b] = [{ name: 'a' }, { name: 'b' }];
  // Queued before the first use, as every socket's flush is when an event is delivered: shares it.
  const sameTurn = new Promise((resolve) => setImmediate(() => resolve(cached(a))));
  const first = cached(a);
  assert.equal(cached(a), first, 'the same value for the rest of the turn');
  cached(b);
  assert.equal(await sameTurn, first);
  await new Promise((resolve) => setImmediate(resolve));
  const later = cached(a);
  assert.notEqual(later, first, 'forgotten after the turn: nothing keeps it alive');
  assert.deepEqual(later, first);
  assert.deepEqual(made, ['a', 'b', 'a']);
});
