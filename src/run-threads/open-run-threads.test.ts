import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { ConfabError } from '../domain/errors.ts';
import { autoRunThreads, runThreadsSetting } from './open-run-threads.ts';

test('by default runs stay on the main thread; auto is one run thread per core but one, and at least one', () => {
  assert.equal(runThreadsSetting(undefined, {}), 0);
  assert.equal(runThreadsSetting(undefined, { CONFAB_RUN_WORKERS: ' ' }), 0);
  assert.deepEqual([1, 2, 4, 8].map((cores) => autoRunThreads(cores)), [1, 1, 3, 7]);
  assert.equal(runThreadsSetting('auto', {}), Math.max(1, availableParallelism() - 1));
  assert.equal(runThreadsSetting(undefined, { CONFAB_RUN_WORKERS: 'auto' }), Math.max(1, availableParallelism() - 1));
});

test('--workers wins over CONFAB_RUN_WORKERS; 0 and 64 are allowed, the rest refused with bad_request', () => {
  assert.equal(runThreadsSetting('0', { CONFAB_RUN_WORKERS: '3' }), 0);
  assert.equal(runThreadsSetting(undefined, { CONFAB_RUN_WORKERS: '3' }), 3);
  assert.equal(runThreadsSetting('64', {}), 64);
  for (const value of ['65', '-1', '1.5', 'two', '']) {
    assert.throws(() => runThreadsSetting(value, {}), (error: unknown) => ConfabError.is(error) && error.code === 'bad_request' && error.message === `--workers must be "auto" or a whole number from 0 to 64, got "${value}".`);
  }
});
