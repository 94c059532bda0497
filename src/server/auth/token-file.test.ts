import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveToken } from './token-file.ts';

describe('resolveToken', () => {
  it('generates a token once into <dataDir>/token with mode 0600 and reuses it; CONFAB_TOKEN wins', async () => {
    const root = await mkdtemp(join(tmpdir(), 'confab-token-'));
    const dataDir = join(root, 'nested', 'data');
    try {
      const first = await resolveToken({ env: {}, dataDir });
      assert.equal(first.source, 'file');
      assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal((await stat(join(dataDir, 'token'))).mode & 0o777, 0o600);
      assert.equal((await readFile(join(dataDir, 'token'), 'utf8')).trim(), first.token);
      assert.deepEqual(await resolveToken({ env: {}, dataDir }), first);
      assert.deepEqual(await resolveToken({ env: { CONFAB_TOKEN: ' mine ' }, dataDir }), { token: 'mine', source: 'env' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
