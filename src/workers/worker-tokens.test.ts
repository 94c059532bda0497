import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfabError } from '../domain/errors.ts';
import { FileWorkerTokens, hashWorkerToken, newWorkerToken, validateWorkerInput } from './worker-tokens.ts';

test('worker records survive a reopen, hold only the token hash, and a revoked one is gone', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'confab-worker-tokens-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const token = newWorkerToken();
  const tokens = await FileWorkerTokens.open(dir);
  await tokens.add({ name: 'box', projects: ['api'], tokenHash: hashWorkerToken(token), createdAt: 1 });
  await assert.rejects(tokens.add({ name: 'box', projects: ['web'], tokenHash: 'x', createdAt: 2 }), (error) => ConfabError.is(error, 'bad_request'));
  const file = await readFile(join(dir, 'workers.json'), 'utf8');
  assert.ok(!file.includes(token), 'the token itself is never written');
  const reopened = await FileWorkerTokens.open(dir);
  assert.deepEqual(await reopened.findByHash(hashWorkerToken(token)), { name: 'box', projects: ['api'], tokenHash: hashWorkerToken(token), createdAt: 1 });
  assert.equal(await reopened.remove('box'), true);
  assert.equal(await reopened.remove('box'), false);
  assert.deepEqual(await (await FileWorkerTokens.open(dir)).list(), []);
});

test('a worker needs a well-formed name and one to 100 well-formed project names', () => {
  assert.deepEqual(validateWorkerInput({ name: 'box-1', projects: ['api', 'api', 'web'] }), { name: 'box-1', projects: ['api', 'web'] });
  for (const input of [{ name: 'a b', projects: ['api'] }, { name: 'box', projects: [] }, { name: 'box', projects: ['../etc'] }, { name: 'box', projects: Array.from({ length: 101 }, (_, index) => `p${index}`) }]) {
    assert.throws(() => validateWorkerInput(input), (error) => ConfabError.is(error, 'bad_request'));
  }
});
