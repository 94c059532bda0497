import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultReconnectOptions, reconnectDelay } from './backoff.ts';

const options = { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 0.5 };

test('delays grow by the factor from the initial delay and stop at the maximum', () => {
  const noJitter = () => 0;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 20].map((attempt) => reconnectDelay(attempt, options, noJitter)),
    [100, 200, 400, 800, 1_000, 1_000, 1_000],
  );
});

test('jitter shortens each delay by up to its share, never lengthens it', () => {
  assert.equal(reconnectDelay(3, options, () => 0.999999), 200);
  assert.equal(reconnectDelay(3, options, () => 0.5), 300);
  assert.equal(reconnectDelay(5, options, () => 0.25), 875);
});

test('jitter outside 0..1 is clamped', () => {
  assert.equal(reconnectDelay(1, { ...options, jitter: 7 }, () => 0.5), 50);
  assert.equal(reconnectDelay(1, { ...options, jitter: -1 }, () => 0.5), 100);
});

test('the defaults: 500 ms doubling to 15 s, a quarter of jitter, no attempt limit', () => {
  assert.deepEqual(defaultReconnectOptions, { initialDelayMs: 500, maxDelayMs: 15_000, factor: 2, jitter: 0.25, maxAttempts: Number.POSITIVE_INFINITY });
});
