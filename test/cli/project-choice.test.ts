import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { runCli } from './support/cli-process.ts';

// Several projects, so "the only project" never decides: the current directory does.
let server: TestServer;
let workDir: string;

before(async () => {
  server = await startTestServer();
  workDir = await realpath(await mkdtemp(join(tmpdir(), 'confab-cli-choice-')));
  for (const dir of ['other', 'app/src/deep', 'app/packages/web/src', 'app-sibling']) await mkdir(join(workDir, dir), { recursive: true });
  for (const [name, path] of [['other', 'other'], ['app', 'app'], ['web', 'app/packages/web']]) {
    assert.equal((await server.request('POST', '/v1/projects', { name, path: join(workDir, path) })).status, 201);
  }
});
after(async () => {
  await server.close();
  await rm(workDir, { recursive: true, force: true });
});

const projectNames = async () => (await server.request('GET', '/v1/projects')).body.projects.map((project: { name: string }) => project.name).sort();

describe('confab ask and chat choose the project enclosing the current directory', () => {
  test('from a subdirectory of a registered project, ask uses that project and creates none', async () => {
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'ok' }] });
    const result = await runCli(['ask', 'Hi'], { server, cwd: join(workDir, 'app/src/deep') });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`· project app \\(registered for ${join(workDir, 'app')}, which holds this directory\\) ·`));
    assert.deepEqual(await projectNames(), ['app', 'demo', 'other', 'web']);
  });

  test('nested projects: the longest enclosing path wins; a name-prefix sibling is not inside', async () => {
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'ok' }] }, { kind: 'stream', chunks: [{ text: 'ok' }] });
    const nested = await runCli(['chat', '--model', 'fake/m1'], { server, cwd: join(workDir, 'app/packages/web/src'), input: '/exit\n' });
    assert.equal(nested.code, 0, nested.stderr);
    assert.match(nested.stdout, /^confab chat · project web \(registered for .*app\/packages\/web, which holds this directory\) ·/);
    const sibling = await runCli(['ask', 'Hi'], { server, cwd: join(workDir, 'app-sibling') });
    assert.equal(sibling.code, 0, sibling.stderr);
    assert.match(sibling.stderr, /· project app-sibling \(new project for .*app-sibling\) ·/);
  });

  test('projects add refuses a directory already registered (exit 1), naming the project', async () => {
    const result = await runCli(['projects', 'add', 'again', 'app'], { server, cwd: workDir });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `confab projects add: The directory ${join(workDir, 'app')} is already registered as project "app".\n`);
    assert.equal((await server.request('GET', '/v1/projects/again')).status, 404);
  });
});
