import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnServe, startTestServer, type TestServer } from '../support/server-fixture.ts';
import { runCli } from './support/cli-process.ts';

// The CLI finds the server of its data directory through <data-dir>/server.json: no --url needed.
let server: TestServer;
let dataDir: string;

before(async () => {
  server = await startTestServer();
  dataDir = await mkdtemp(join(tmpdir(), 'confab-cli-discovery-'));
});
after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

const record = (url: string, pid: number) => writeFile(join(dataDir, 'server.json'), JSON.stringify({ url, pid }));

describe('finding the server through its data directory', () => {
  test('confab serve on another port records its URL; the CLI uses it with only --data-dir; a clean stop removes it', async () => {
    const serveDir = await mkdtemp(join(tmpdir(), 'confab-cli-serve-'));
    const serve = await spawnServe({ dataDir: serveDir });
    try {
      assert.notEqual(new URL(serve.url).port, '4317');
      assert.deepEqual(JSON.parse(await readFile(join(serveDir, 'server.json'), 'utf8')), { url: serve.url, pid: serve.child.pid });
      const listed = await runCli(['projects', 'list', '--json', '--data-dir', serveDir]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(JSON.parse(listed.stdout), []);
      assert.equal((await serve.kill('SIGTERM')).code, 0);
      await assert.rejects(readFile(join(serveDir, 'server.json')), { code: 'ENOENT' });
    } finally {
      await serve.kill('SIGKILL');
      await rm(serveDir, { recursive: true, force: true });
    }
  });

  test('a record whose process is gone is ignored: the CLI falls back to the default URL', async () => {
    await writeFile(join(dataDir, 'token'), server.token);
    await record(server.url, await deadPid());
    const result = await runCli(['projects', 'list', '--data-dir', dataDir]);
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stderr, new RegExp(server.url));
    assert.match(result.stderr, /127\.0\.0\.1:4317/);
  });

  test('a live record is used from ./.confab by default; --url and CONFAB_URL win over it', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'confab-cli-cwd-'));
    try {
      const confabDir = join(cwd, '.confab');
      await mkdir(confabDir);
      await writeFile(join(confabDir, 'token'), server.token);
      await writeFile(join(confabDir, 'server.json'), JSON.stringify({ url: server.url, pid: process.pid }));
      const [found, flag, env] = await Promise.all([
        runCli(['projects', 'list', '--json'], { cwd }),
        runCli(['projects', 'list', '--url', 'http://127.0.0.1:9'], { cwd }),
        runCli(['projects', 'list'], { cwd, env: { CONFAB_URL: 'http://127.0.0.1:9' } }),
      ]);
      assert.equal(found.code, 0, found.stderr);
      assert.deepEqual(JSON.parse(found.stdout).map((project: { name: string }) => project.name), ['demo']);
      for (const result of [flag, env]) {
        assert.equal(result.code, 1);
        assert.match(result.stderr, /Cannot reach Confab at http:\/\/127\.0\.0\.1:9 /);
      }
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
