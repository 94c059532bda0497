import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { WebSocket } from 'ws';
import { eventually, runConfab, spawnServe } from '../support/server-fixture.ts';
import { openSse } from '../support/sse-client.ts';
import { toWsUrl } from '../support/ws-client.ts';

const secretToken = 'tok-Secret-7f3a9c2e1b5d4e6f';
const messageText = 'zebra-marmalade-quasar-4711';
const providerKey = 'sk-fake';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Line = Record<string, any>;

describe('structured logs', () => {
  it('a scripted session logs JSON lines with request ids and run ids, and never the token, a key or message text', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-logs-'));
    const project = await makeProjectDir();
    const upstream = await startOpenAIUpstream();
    const serve = await spawnServe({ dataDir, upstreamUrl: upstream.url, env: { CONFAB_TOKEN: secretToken }, args: ['--log-level', 'info'] });
    // An after hook, not finally: it also runs when the test times out, so no server outlives it.
    t.after(async () => {
      await serve.kill('SIGKILL');
      await upstream.close();
      await project.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    });
    const bearer = { authorization: `Bearer ${secretToken}`, 'content-type': 'application/json' };
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${serve.url}${path}`, { method: 'POST', headers: { ...bearer, ...headers }, body: JSON.stringify(body) });

    const created = await post('/v1/projects', { name: 'demo', path: project.path }, { 'x-request-id': 'trace-abc.123' });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('x-request-id'), 'trace-abc.123', 'a sane incoming id is kept and echoed');
    const conversation = await post('/v1/conversations', { projectName: 'demo', title: messageText, systemPrompt: messageText }, { 'x-request-id': 'not sane: has spaces' });
    assert.match(conversation.headers.get('x-request-id') ?? '', uuid, 'an insane one is replaced');
    const id = (await conversation.json()).conversation.id as string;

    upstream.enqueue(
      { kind: 'error', status: 429, message: 'Slow down', headers: { 'retry-after': '0' } },
      { kind: 'stream', chunks: [{ text: messageText }, { text: ' indeed' }] },
      { kind: 'error', status: 400, message: `Rejected: ${messageText}` },
    );
    const sse = await openSse(`${serve.url}/v1/conversations/${id}/events?token=${secretToken}`);
    const sent = await post(`/v1/conversations/${id}/messages`, { content: messageText, context: [{ path: 'inline.txt', content: messageText }] });
    assert.equal(sent.status, 202);
    assert.match(sent.headers.get('x-request-id') ?? '', uuid, 'no incoming id: a new one');
    await sse.waitFor((event) => event.type === 'run-completed');
    await post(`/v1/conversations/${id}/messages`, { content: `${messageText} again` });
    await sse.waitFor((event) => event.type === 'run-failed');
    sse.close();

    // Over a WebSocket too: the 101 echoes the id, the socket's lines carry it.
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'ok' }] });
    const ws = new WebSocket(toWsUrl(serve.url), { headers: { authorization: `Bearer ${secretToken}`, 'x-request-id': 'ws-trace-1' } });
    // 'open' follows 'upgrade' in the same turn: wait for both at once.
    const [[upgrade]] = (await Promise.all([once(ws, 'upgrade'), once(ws, 'open')])) as [[IncomingMessage], unknown];
    assert.equal(upgrade.headers['x-request-id'], 'ws-trace-1');
    const frames: Line[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
    ws.send(JSON.stringify({ type: 'subscribe', id: 1, conversationId: id }));
    ws.send(JSON.stringify({ type: 'send', id: 2, conversationId: id, content: `${messageText} over ws` }));
    await eventually(() => frames.some((frame) => frame.type === 'run-completed'), 15_000, 'the ws run');
    ws.close();
    await once(ws, 'close');

    assert.equal((await fetch(`${serve.url}/v1/sessions`, { headers: { cookie: `confab_token=${secretToken}` } })).status, 200);
    assert.equal((await fetch(`${serve.url}/v1/sessions`, { headers: { authorization: `Bearer ${secretToken}x` } })).status, 401);
    assert.equal((await serve.kill('SIGTERM')).code, 0);

    const stdout = serve.stdout().split('\n');
    assert.match(stdout[0], /^Confab is running at http:\/\/127\.0\.0\.1:\d+\/\?token=/, 'the first line is still the URL');
    const stderr = serve.stderr();
    for (const secret of [secretToken, messageText, providerKey]) {
      assert.ok(!stderr.includes(secret), `the logs hold ${secret}`);
      assert.ok(!stdout.slice(1).join('\n').includes(secret), `stdout after the URL holds ${secret}`);
    }

    const lines = stderr.trim().split('\n').map((line) => JSON.parse(line) as Line);
    for (const line of lines) assert.deepEqual(Object.keys(line).slice(0, 4), ['level', 'time', 'pid', 'hostname'], JSON.stringify(line));
    assert.ok(lines.some((line) => line.msg === 'serving' && line.url === serve.url));

    const requests = lines.filter((line) => line.msg === 'request');
    for (const line of requests) assert.ok(line.requestId === 'trace-abc.123' || uuid.test(line.requestId), JSON.stringify(line));
    assert.ok(requests.some((line) => line.requestId === 'trace-abc.123' && line.method === 'POST' && line.path === '/v1/projects' && line.status === 201));
    assert.ok(requests.some((line) => line.path === `/v1/conversations/${id}/events` && line.status === 200), 'the SSE request, its path without the query');
    assert.ok(requests.some((line) => line.path === '/v1/sessions' && line.status === 401));
    assert.ok(lines.some((line) => line.msg === 'websocket closed' && line.requestId === 'ws-trace-1' && line.path === '/v1/ws'));

    const engineLines = lines.filter((line) => ['run started', 'run ended', 'upstream error, retrying'].includes(line.msg));
    assert.deepEqual(
      engineLines.map((line) => [line.msg, line.status ?? line.code ?? null, line.errorCode ?? null]),
      [
        ['run started', null, null],
        ['upstream error, retrying', 'rate_limit', null],
        ['run ended', 'completed', null],
        ['run started', null, null],
        ['run ended', 'failed', 'upstream_error'],
        ['run started', null, null],
        ['run ended', 'completed', null],
      ],
    );
    for (const line of engineLines) {
      assert.equal(line.conversationId, id, JSON.stringify(line));
      assert.match(line.runId, /^run_/, JSON.stringify(line));
    }
  });

  it('--log-level and CONFAB_LOG_LEVEL refuse an unknown level, naming the ones there are', async () => {
    const flag = await runConfab(['serve', '--log-level', 'loud', '--port', '0']);
    assert.equal(flag.code, 2);
    assert.equal(flag.stderr, 'confab serve: --log-level must be one of info, warn, error, silent, got "loud".\n');
    const env = await runConfab(['serve', '--port', '0'], { env: { CONFAB_LOG_LEVEL: 'chatty' } });
    assert.equal(env.code, 2);
    assert.equal(env.stderr, 'confab serve: CONFAB_LOG_LEVEL must be one of info, warn, error, silent, got "chatty".\n');
  });
});
