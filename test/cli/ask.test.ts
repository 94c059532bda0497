import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseEvent } from '../../src/events/definitions.ts';
import { eventually, startTestServer, type TestServer } from '../support/server-fixture.ts';
import { runCli, startCli } from './support/cli-process.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const conversationOf = async (stderr: string) => {
  const id = /conversation (conv_\w+)/.exec(stderr)?.[1];
  assert.ok(id, `stderr names the conversation: ${stderr}`);
  return (await server.request('GET', `/v1/conversations/${id}`)).body;
};

describe('confab ask', () => {
  test('prints exactly the upstream text as it streams, says which project it chose, and exits 0', async () => {
    const chunks = ['Hel', 'lo', ', wor', 'ld — ünïcode ✓'];
    server.upstream.enqueue({ kind: 'stream', chunks: chunks.map((text) => ({ text })), delayMs: 5 });
    const result = await runCli(['ask', 'Say hello'], { server });
    assert.equal(result.stdout, `${chunks.join('')}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /project demo \(the only project\)/);
    const detail = await conversationOf(result.stderr);
    assert.deepEqual(detail.messages.map((message: any) => message.parts.map((part: any) => part.text).join('')), ['Say hello', chunks.join('')]);
    assert.equal(detail.runs.at(-1).status, 'completed');
  });

  test('--json prints every event as one valid envelope per line, in seq order, ending with run-completed', async () => {
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hel' }, { text: 'lo' }] });
    const result = await runCli(['ask', '--json', 'Say hello'], { server });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.endsWith('\n'));
    const events = result.stdout.trimEnd().split('\n').map((line) => {
      const parsed = parseEvent(JSON.parse(line));
      assert.ok(parsed.ok, `${line}: ${parsed.ok ? '' : parsed.message}`);
      return parsed.event;
    });
    assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => events[0].seq + index), 'consecutive seqs, each once');
    assert.equal(events.at(-1)!.type, 'run-completed');
    assert.ok(events.some((event) => event.type === 'run-started'));
    assert.equal(events.filter((event) => event.type === 'part-delta').map((event) => (event.data as { delta: string }).delta).join(''), 'Hello');
  });

  test('a failing upstream (401) exits 1 with the reason on stderr and nothing on stdout', async () => {
    server.upstream.enqueue({ kind: 'error', status: 401, message: 'bad key' });
    const result = await runCli(['ask', 'Hi'], { server });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /confab ask: the run failed: .*bad key/);
  });

  test('a retried upstream error shows as "retry 1 of 3" on stderr (the web UI\'s count), then the answer', async () => {
    server.upstream.enqueue({ kind: 'error', status: 429, message: 'slow down', headers: { 'retry-after': '0' } }, { kind: 'stream', chunks: [{ text: 'ok' }] });
    const result = await runCli(['ask', 'Hi'], { server });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'ok\n');
    assert.match(result.stderr, /\n↻ retry 1 of 3 in 0s — rate_limit\n/);
  });

  test('a question over the server\'s limit is refused before anything is created: no conversation, no project', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'confab-cli-long-'));
    await mkdir(join(parent, 'registered'));
    await mkdir(join(parent, 'unregistered'));
    try {
      // Two projects and none for the current directory: ask would create a project too.
      await server.request('POST', '/v1/projects', { name: 'second', path: join(parent, 'registered') });
      const conversationsBefore = (await server.request('GET', '/v1/conversations?limit=200')).body.conversations.length;
      const projectsBefore = (await server.request('GET', '/v1/projects')).body.projects.length;
      const requestsBefore = server.upstream.requests.length;
      const result = await runCli(['ask', '-'], { server, cwd: join(parent, 'unregistered'), input: 'x'.repeat(100_001) });
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, 'confab ask: the question has 100001 characters; the server\'s limit is 100000. Nothing was sent.\n');
      assert.equal((await server.request('GET', '/v1/conversations?limit=200')).body.conversations.length, conversationsBefore);
      assert.equal((await server.request('GET', '/v1/projects')).body.projects.length, projectsBefore);
      assert.equal(server.upstream.requests.length, requestsBefore);
    } finally {
      await server.request('DELETE', '/v1/projects/second');
      await rm(parent, { recursive: true, force: true });
    }
  });

  test('reads the question from stdin ("-"), with the token from --data-dir and the model from --model', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-cli-data-'));
    try {
      await writeFile(join(dataDir, 'token'), `${server.token}\n`);
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: '4' }] });
      const before = server.upstream.requests.length;
      const result = await runCli(['ask', '--data-dir', dataDir, '--model', 'fake/m1', '-'], { env: { CONFAB_URL: server.url }, input: 'What is\n2 + 2?\n' });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '4\n');
      const sent = server.upstream.requests[before].body.messages.at(-1);
      assert.equal(JSON.stringify(sent).includes('What is\\n2 + 2?'), true, JSON.stringify(sent));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('Ctrl-C (SIGINT) stops the run on the server and exits 130', async () => {
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hel' }, { text: 'lo' }, { text: ' never' }], holdAfter: 2 });
    const ask = startCli(['ask', 'Tell me everything'], { server });
    await ask.waitForStdout(/Hello/);
    ask.child.kill('SIGINT');
    const result = await ask.result;
    assert.equal(result.code, 130, result.stderr);
    assert.equal(result.stdout, 'Hello\n');
    const detail = await conversationOf(result.stderr);
    await eventually(async () => (await conversationOf(result.stderr)).runs.at(-1).status === 'stopped', 20_000, 'the run stopped');
    assert.equal(detail.messages.length, 2);
  });

  test('an unreachable server is a clear error, exit 1', async () => {
    // A listener that drops every connection: unreachable like a closed port, but no other
    // process on this busy machine can take the port over between our check and the CLI's.
    const refusing = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const { port } = refusing.address() as { port: number };
    try {
      const result = await runCli(['ask', '--url', `http://127.0.0.1:${port}`, 'Hi'], { env: { CONFAB_TOKEN: 'whatever' } });
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `confab ask: Cannot reach Confab at http://127.0.0.1:${port} — is \`confab serve\` running?\n`);
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });

  test('a wrong token is a clear error, exit 1', async () => {
    const result = await runCli(['ask', 'Hi'], { server: { url: server.url, token: 'wrong-token' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refused the access token from CONFAB_TOKEN/);
  });

  test('usage errors exit 2 with a pointer to --help', async () => {
    const [unknownFlag, empty] = await Promise.all([runCli(['ask', '--frobnicate', 'Hi'], { server }), runCli(['ask', '   '], { server })]);
    assert.equal(unknownFlag.code, 2);
    assert.match(unknownFlag.stderr, /^confab ask: unknown option "--frobnicate". To pass an argument that starts with "-", put it after "--", as in: -- "--frobnicate"\nRun "confab ask --help"/);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /the question is empty/);
  });

  test('with several projects and none for the current directory or above it, creates one named after it', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'confab-cli-cwd-'));
    const cwd = join(parent, 'my app.v2');
    await mkdir(cwd);
    await mkdir(join(parent, 'other'));
    try {
      assert.equal((await server.request('POST', '/v1/projects', { name: 'other', path: join(parent, 'other') })).status, 201);
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'ok' }] });
      const result = await runCli(['ask', 'Hi'], { server, cwd });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /project my-app-v2 \(new project for .*my app\.v2\)/);
      assert.equal((await server.request('GET', '/v1/projects/my-app-v2')).status, 200);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
