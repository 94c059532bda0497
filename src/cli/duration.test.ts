import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from './duration.ts';

test('parseDuration reads seconds, minutes, hours and days, and refuses anything else', () => {
  assert.deepEqual(['90s', '30m', '24h', '2d', ' 5m '].map(parseDuration), [90_000, 1_800_000, 86_400_000, 172_800_000, 300_000]);
  for (const bad of ['', '0h', '24', 'h', '1.5h', '-1h', '10w', '1234567h']) assert.equal(parseDuration(bad), undefined, bad);
});
