import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryCount } from './retry-count.ts';

test('retryCount: the first retry of 4 attempts is retry 1 of 3; the last is 3 of 3', () => {
  assert.deepEqual(retryCount({ attempt: 2, maxAttempts: 4 }), { retry: 1, of: 3 });
  assert.deepEqual(retryCount({ attempt: 4, maxAttempts: 4 }), { retry: 3, of: 3 });
});
