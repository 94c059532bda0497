import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { messageText } from '../../src/events/apply-event.ts';
import { openStore } from '../../src/store/open-store.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { eventually, runConfab, spawnServe, type SpawnedServe } from '../support/server-fixture.ts';
import { openSse } from '../support/sse-client.ts';

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

function apiOf(serve: SpawnedServe): Api {
  return async (method, path, body) => {
    const response = await fetch(`${serve.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${serve.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

async function withDirs(body: (dirs: { dataDir: string; projectDir: string; upstream: FakeUpstream }) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'confab-serve-'));
  const project = await makeProjectDir();
  const upstream = await startOpenAIUpstream();
  try {
    await body({ dataDir, projectDir: project.path, upstream });
  } finally {
    await upstream.close();
    await project.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Starts a run whose upstream holds after two chunks, and waits until both are visible and checkpointed. */
async function startHeldRun(serve: SpawnedServe, api: Api, projectDir: string, upstream: FakeUpstream): Promise<{ conversationId: string; runId: string }> {
  assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: projectDir })).status, 201);
  const conversationId = (await api('POST', '/v1/conversations', { projectName: 'demo' })).body.conversation.id;
  upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Partial ' }, { text: 'answer' }, { text: ' never sent' }], holdAfter: 2 });
  const sse = await openSse(`${serve.url}/v1/conversations/${conversationId}/events`, { authorization: `Bearer ${serve.token}` });
  const sent = await api('POST', `/v1/conversations/${conversationId}/messages`, { content: 'Tell me' });
  assert.equal(sent.status, 202);
  await sse.waitFor((event) => event.type === 'part-delta' && event.data.delta === 'answer');
  sse.close();
  // The checkpointer writes at most every 250 ms while a message changes.
  await new Promise((resolve) => setTimeout(resolve, 400));
  return { conversationId, runId: sent.body.run.id };
}

describe('confab serve as a process', () => {
  it('after SIGKILL mid-run and a restart on the same data dir, the run is interrupted with its partial text and continue works', async () => {
    await withDirs(async ({ dataDir, projectDir, upstream }) => {
      const first = await spawnServe({ dataDir, upstreamUrl: upstream.url });
      const { conversationId, runId } = await startHeldRun(first, apiOf(first), projectDir, upstream);
      assert.deepEqual(await first.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });

      const second = await spawnServe({ dataDir, upstreamUrl: upstream.url });
      try {
        assert.equal(second.token, first.token, 'the token file is reused');
        const api = apiOf(second);
        const { body } = await api('GET', `/v1/conversations/${conversationId}`);
        const run = body.runs.find((candidate: { id: string }) => candidate.id === runId);
        assert.equal(run.status, 'interrupted');
        assert.equal(run.finishReason, 'interrupted');
        const assistant = body.messages.find((message: { role: string }) => message.role === 'assistant');
        assert.equal(assistant.status, 'interrupted');
        assert.equal(messageText(assistant), 'Partial answer');

        upstream.enqueue({ kind: 'stream', chunks: [{ text: ', continued.' }] });
        const continued = await api('POST', `/v1/conversations/${conversationId}/continue`);
        assert.equal(continued.status, 202);
        await eventually(async () => (await api('GET', `/v1/conversations/${conversationId}`)).body.runs.at(-1).status === 'completed', 10_000, 'the continue run');
        const after = (await api('GET', `/v1/conversations/${conversationId}`)).body;
        assert.deepEqual(after.messages.map((message: { role: string }) => message.role), ['user', 'assistant']);
        assert.equal(messageText(after.messages[1]), 'Partial answer, continued.');
      } finally {
        assert.deepEqual(await second.kill('SIGTERM'), { code: 0, signal: null });
      }
    });
  });

  // The default executes runs on the main thread; --workers 2 on run threads.
  for (const [signal, workers] of [['SIGTERM', undefined], ['SIGHUP', undefined], ['SIGTERM', '0'], ['SIGTERM', '2']] as const) {
    it(`${signal} shuts down cleanly${workers === undefined ? '' : ` with --workers ${workers}`}: exit 0, the running run stored as interrupted with its partial text`, async () => {
      await withDirs(async ({ dataDir, projectDir, upstream }) => {
        const serve = await spawnServe({ dataDir, upstreamUrl: upstream.url, args: workers === undefined ? [] : ['--workers', workers] });
        const { runId } = await startHeldRun(serve, apiOf(serve), projectDir, upstream);
        assert.deepEqual(await serve.kill(signal), { code: 0, signal: null });
        assert.equal(serve.stderr(), '');
        const store = await openStore({ kind: 'sqlite', dataDir });
        try {
          const run = await store.getRun(runId);
          assert.equal(run?.status, 'interrupted');
          const messages = await store.listMessages(run!.conversationId);
          assert.equal(messageText(messages[1]), 'Partial answer');
          assert.equal(messages[1].status, 'interrupted');
        } finally {
          await store.close();
        }
      });
    });
  }

  it('prints one clickable line with the real port and token; the token file is 0600; a second line without providers', async () => {
    await withDirs(async ({ dataDir }) => {
      const serve = await spawnServe({ dataDir });
      try {
        assert.match(serve.firstLine, /^Confab is running at http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
        assert.notEqual(new URL(serve.url).port, '0');
        assert.equal((await fetch(`${serve.url}/v1/health`)).status, 200);
        const tokenFile = join(dataDir, 'token');
        assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
        assert.equal((await readFile(tokenFile, 'utf8')).trim(), serve.token);
        await eventually(() => serve.stdout().split('\n').length >= 3);
        assert.equal(serve.stdout().split('\n')[1], 'No AI provider is configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY or OLLAMA_HOST, or pass --config FILE.');
      } finally {
        await serve.kill('SIGINT');
      }
      const withEnvToken = await spawnServe({ dataDir, env: { CONFAB_TOKEN: 'from-the-environment' } });
      try {
        assert.equal(withEnvToken.token, 'from-the-environment');
      } finally {
        assert.deepEqual(await withEnvToken.kill('SIGINT'), { code: 0, signal: null });
      }
    });
  });

  it('--workers must be "auto" or a whole number from 0 to 64 (exit 2, a clear message)', async () => {
    await withDirs(async ({ dataDir }) => {
      for (const value of ['x', '-1', '65', '1.5']) {
        const refused = await runConfab(['serve', '--port', '0', '--data-dir', dataDir, `--workers=${value}`]);
        assert.equal(refused.code, 2, value);
        assert.equal(refused.stderr, `confab serve: --workers must be "auto" or a whole number from 0 to 64, got "${value}".\n`);
      }
      const fromEnv = await runConfab(['serve', '--port', '0', '--data-dir', dataDir], { env: { CONFAB_RUN_WORKERS: 'many' } });
      assert.deepEqual([fromEnv.code, fromEnv.stderr], [2, 'confab serve: CONFAB_RUN_WORKERS must be "auto" or a whole number from 0 to 64, got "many".\n']);
    });
  });

  it('a second server on the same data dir is refused before it touches the first one\'s runs', async () => {
    await withDirs(async ({ dataDir, projectDir, upstream }) => {
      const first = await spawnServe({ dataDir, upstreamUrl: upstream.url });
      try {
        const api = apiOf(first);
        const { conversationId, runId } = await startHeldRun(first, api, projectDir, upstream);
        const second = await runConfab(['serve', '--port', '0', '--data-dir', dataDir]);
        assert.equal(second.code, 1);
        assert.equal(second.stderr, `confab serve: The data directory ${dataDir} is in use by another confab serve; stop that one, or give this one another --data-dir.\n`);
        // No recovery ran over the live run: it is still running, in memory and in the store.
        const { body } = await api('GET', `/v1/conversations/${conversationId}`);
        assert.equal(body.runs.find((run: { id: string }) => run.id === runId).status, 'running');
        upstream.release();
        await eventually(async () => (await api('GET', `/v1/conversations/${conversationId}`)).body.runs.at(-1).status === 'completed', 10_000, 'the held run');
        assert.equal(messageText((await api('GET', `/v1/conversations/${conversationId}`)).body.messages[1]), 'Partial answer never sent');
      } finally {
        await first.kill('SIGTERM');
      }
      // Once the first has gone, the data dir is free again.
      const third = await spawnServe({ dataDir, upstreamUrl: upstream.url });
      assert.deepEqual(await third.kill('SIGTERM'), { code: 0, signal: null });
    });
  });

  it('start-up failures print one line without a stack and exit 1; usage errors exit 2', async () => {
    await withDirs(async ({ dataDir }) => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as { port: number }).port;
      try {
        const inUse = await runConfab(['serve', '--port', String(port), '--data-dir', dataDir]);
        assert.equal(inUse.code, 1);
        assert.equal(inUse.stderr, `confab serve: port ${port} on 127.0.0.1 is already in use; choose another with --port.\n`);
      } finally {
        blocker.close();
      }

      const exposed = await runConfab(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir]);
      assert.equal(exposed.code, 1);
      assert.equal(exposed.stderr, 'confab serve: Refusing to listen on 0.0.0.0 without an explicit token: set CONFAB_TOKEN, or use --host 127.0.0.1.\n');

      const configPath = join(dataDir, 'bad.json');
      await writeFile(configPath, JSON.stringify({ providers: { fake: { type: 'openai-compatible' } } }));
      const badConfig = await runConfab(['serve', '--port', '0', '--data-dir', dataDir, '--config', configPath]);
      assert.equal(badConfig.code, 1);
      assert.equal(badConfig.stderr, `confab serve: Invalid config file ${configPath}: providers.fake.baseURL: is required for type openai-compatible\n`);

      const missingConfig = await runConfab(['serve', '--port', '0', '--data-dir', dataDir], { env: { CONFAB_CONFIG: join(dataDir, 'missing.json') } });
      assert.equal(missingConfig.code, 1);
      assert.match(missingConfig.stderr, /^confab serve: Cannot read config file .*missing\.json: file not found\n$/);

      const unknownFlag = await runConfab(['serve', '--bogus']);
      assert.equal(unknownFlag.code, 2);
      assert.match(unknownFlag.stderr, /^confab serve: unknown option "--bogus"\. /);
      const badPort = await runConfab(['serve', '--port', 'eighty']);
      assert.equal(badPort.code, 2);

      const help = await runConfab(['serve', '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^Usage: confab serve \[options\]/);
      for (const flag of ['--host', '--port', '--data-dir', '--config', '--allow-origin', '--log-level', '--help']) assert.ok(help.stdout.includes(flag), flag);
      const top = await runConfab(['--help']);
      assert.equal(top.code, 0);
      assert.match(top.stdout, /serve/);
      const unknownCommand = await runConfab(['dance']);
      assert.equal(unknownCommand.code, 2);
    });
  });
});
