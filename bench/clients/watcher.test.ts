import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { encodeToken } from '../upstream/token-code.ts';
import { newStats, Watcher } from './watcher.ts';

const due = 1_700_000_000_000;
const tokens = (from: number, count: number, size = 4) => Array.from({ length: count }, (_, i) => encodeToken(from + i, due + (from + i) * 20, size));

test('every token in a delta is counted with its latency against its own due time', () => {
  const stats = newStats();
  const watcher = new Watcher({ conversationId: 'c' }, stats, 4, true);
  watcher.onDelta(tokens(0, 3).join(''), due + 100);
  assert.equal(stats.tokens, 3);
  assert.equal(stats.outOfOrder, 0);
  assert.equal(stats.latency.max, 100);
  assert.equal(watcher.chars, 12);
});

test('a token split across two deltas is decoded once, in order', () => {
  const stats = newStats();
  const watcher = new Watcher({ conversationId: 'c' }, stats, 6, false);
  const text = tokens(0, 3, 6).join('');
  watcher.onDelta(text.slice(0, 8), due + 60);
  watcher.onDelta(text.slice(8), due + 60);
  assert.equal(stats.tokens, 3);
  assert.equal(stats.outOfOrder, 0);
});

test('a duplicated token is counted as out of order, and so is everything after it', () => {
  const stats = newStats();
  const watcher = new Watcher({ conversationId: 'c' }, stats, 4, false);
  const [a, b, c] = tokens(0, 3);
  watcher.onDelta(a + b + b + c, due + 100);
  assert.equal(stats.tokens, 4);
  assert.equal(stats.outOfOrder, 2);
});

test('catch-up ends at the first token that was due after the reconnect', () => {
  const stats = newStats();
  const watcher = new Watcher({ conversationId: 'c' }, stats, 4, false);
  watcher.markResuming(due + 50);
  watcher.onDelta(tokens(0, 2).join(''), due + 70); // due at +0 and +20: missed ones, replayed
  assert.equal(stats.catchUp.count, 0);
  watcher.onDelta(tokens(2, 2).join(''), due + 80); // due at +40 and +60: the second one is live
  assert.equal(stats.catchUp.count, 1);
  assert.equal(stats.catchUp.max, 30);
});

test('the text report is the concatenated deltas with its length and SHA-1', () => {
  const watcher = new Watcher({ conversationId: 'c' }, newStats(), 4, true);
  watcher.onDelta('AAAA', due);
  watcher.onDelta('AAAB', due);
  assert.deepEqual(watcher.textReport(), { conversationId: 'c', length: 8, sha1: createHash('sha1').update('AAAAAAAB').digest('hex') });
});
