import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { runCli } from './support/cli-process.ts';

let server: TestServer;
let workDir: string;

before(async () => {
  server = await startTestServer();
  workDir = await mkdtemp(join(tmpdir(), 'confab-cli-projects-'));
  await mkdir(join(workDir, 'site'));
});
after(async () => {
  await server.close();
  await rm(workDir, { recursive: true, force: true });
});

describe('confab projects', () => {
  test('add registers a directory given relative to the current directory', async () => {
    const result = await runCli(['projects', 'add', 'site', 'site'], { server, cwd: workDir });
    assert.equal(result.code, 0, result.stderr);
    const path = await realpath(join(workDir, 'site'));
    assert.equal(result.stdout, `Added project site (${path}).\n`);
    assert.equal((await server.request('GET', '/v1/projects/site')).body.project.path, path);
  });

  test('add refuses a taken name and a missing directory (1), and a malformed name (2)', async () => {
    const [taken, missing, malformed] = await Promise.all([
      runCli(['projects', 'add', 'demo', '.'], { server, cwd: workDir }),
      runCli(['projects', 'add', 'ghost', 'no-such-dir'], { server, cwd: workDir }),
      runCli(['projects', 'add', 'bad name', '.'], { server, cwd: workDir }),
    ]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /^confab projects add: .*already exists/);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /does not exist/);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /project name "bad name" must be 1 to 64 letters/);
  });

  test('list prints a table, --json the projects', async () => {
    const [table, json] = await Promise.all([runCli(['projects', 'list'], { server }), runCli(['projects', 'list', '--json'], { server })]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^NAME\s+CREATED\s+PATH$/);
    assert.ok(lines.some((line) => line.startsWith('demo ') && line.endsWith(server.projectDir)), table.stdout);
    assert.equal(json.code, 0, json.stderr);
    assert.ok(JSON.parse(json.stdout).some((project: any) => project.name === 'demo' && project.path === server.projectDir));
  });

  test('remove deletes the project and its conversations; an unknown name exits 1', async () => {
    const created = await server.request('POST', '/v1/projects', { name: 'doomed', path: workDir });
    assert.equal(created.status, 201);
    const conversation = (await server.request('POST', '/v1/conversations', { projectName: 'doomed' })).body.conversation;
    const removed = await runCli(['projects', 'remove', 'doomed'], { server });
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, 'Removed project doomed.\n');
    assert.equal((await server.request('GET', '/v1/projects/doomed')).status, 404);
    assert.equal((await server.request('GET', `/v1/conversations/${conversation.id}`)).status, 404);
    const again = await runCli(['projects', 'remove', 'doomed'], { server });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no project named "doomed"/);
  });
});
