import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readServerFile, removeServerFile, writeServerFile } from './server-file.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'confab-server-file-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('server.json', () => {
  it('is written whole (no temporary file left), read back while its process runs, and ignored once it is gone', async () => {
    await writeServerFile(dir, { url: 'http://127.0.0.1:46001', pid: 4242 });
    assert.deepEqual(await readdir(dir), ['server.json']);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'server.json'), 'utf8')), { url: 'http://127.0.0.1:46001', pid: 4242 });
    assert.deepEqual(await readServerFile(dir, (pid) => pid === 4242), { url: 'http://127.0.0.1:46001', pid: 4242 });
    assert.equal(await readServerFile(dir, () => false), null, 'stale: its process is gone');
  });

  it('records a server listening on every address as its loopback URL', async () => {
    await writeServerFile(dir, { url: 'http://0.0.0.0:5000', pid: 1 });
    assert.equal((await readServerFile(dir, () => true))?.url, 'http://127.0.0.1:5000');
    await writeServerFile(dir, { url: 'http://[::]:5000', pid: 1 });
    assert.equal((await readServerFile(dir, () => true))?.url, 'http://[::1]:5000');
  });

  it('is removed only by the process it names; malformed or missing files read as none', async () => {
    await writeServerFile(dir, { url: 'http://127.0.0.1:46001', pid: 7 });
    await removeServerFile(dir, 8);
    assert.ok(await readServerFile(dir, () => true), 'another pid leaves it');
    await removeServerFile(dir, 7);
    assert.equal(await readServerFile(dir, () => true), null);
    for (const text of ['{', '{"url":"ftp://x","pid":1}', '{"url":"http://x","pid":-1}', 'null']) {
      await writeFile(join(dir, 'server.json'), text);
      assert.equal(await readServerFile(dir, () => true), null, text);
    }
  });
});
