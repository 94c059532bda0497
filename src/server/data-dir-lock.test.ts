import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfabError } from '../domain/errors.ts';
import { lockDataDir } from './data-dir-lock.ts';

test('one lock per data directory until it is released; the directory is created when missing', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'confab-lock-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const first = lockDataDir(dataDir);
  assert.throws(
    () => lockDataDir(dataDir),
    (error) => ConfabError.is(error, 'bad_request') && error.message === `The data directory ${dataDir} is in use by another confab serve; stop that one, or give this one another --data-dir.`,
  );
  const other = lockDataDir(join(root, 'other'));
  first.release();
  first.release();
  const second = lockDataDir(dataDir);
  second.release();
  other.release();
});
