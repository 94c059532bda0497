import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBits, encodeToken, indexOfBits, latencyOfBits } from './token-code.ts';

test('a token carries its index modulo 256 and its due time, padded to the token size', () => {
  const token = encodeToken(300, 1_700_000_123_456, 6);
  assert.equal(token.length, 6);
  assert.match(token, /^[A-Za-z0-9_-]{4}\.\.$/);
  const bits = decodeBits(token, 0);
  assert.equal(indexOfBits(bits), 300 & 0xff);
  assert.equal(latencyOfBits(bits, 1_700_000_123_456 + 12.5), 12.5);
});

test('latency is read correctly across the 65.5 s wrap of the due time, and early tokens are negative', () => {
  const due = 0x10000 * 20 - 3; // 3 ms before a wrap
  const bits = decodeBits(encodeToken(1, due, 4), 0);
  assert.equal(latencyOfBits(bits, due + 10), 10);
  assert.equal(latencyOfBits(bits, due - 2), -2);
});

test('characters outside the alphabet are not a token code', () => {
  assert.equal(decodeBits('ab"d', 0), -1);
});
