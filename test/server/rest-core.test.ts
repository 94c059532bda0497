import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import type { Logger } from '../../src/util/logger.ts';
import { testModel, testPricing, withTestServer } from '../support/server-fixture.ts';

/** A raw request, so bodies can be streamed in chunks and oversized without fetch getting in the way. */
function rawRequest(url: string, options: { method: string; headers?: Record<string, string>; chunks?: (string | Buffer)[] }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

describe('REST core', () => {
  it('GET /v1/health needs no token and says ok with the version', async () => {
    await withTestServer(async (server) => {
      const response = await fetch(`${server.url}/v1/health`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.deepEqual(await response.json(), { status: 'ok', version: '0.0.0-test' });
    });
  });

  it('GET /v1/models lists configured models with pricing and the default', async () => {
    await withTestServer(async (server) => {
      const response = await server.request('GET', '/v1/models');
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { models: [{ id: testModel, provider: 'fake', pricing: testPricing }], defaultModel: testModel });
    });
  });

  it('GET /v1/limits gives the request limits the hub enforces (configured ones included)', async () => {
    await withTestServer(
      async (server) => {
        const response = await server.request('GET', '/v1/limits');
        assert.equal(response.status, 200);
        assert.deepEqual(response.body, { limits: { maxMessageChars: 50, maxContextParts: 20, maxContextBytes: 256 * 1024, maxSystemPromptChars: 20_000, maxQueuedRuns: 20 } });
        const refused = await server.request('POST', `/v1/conversations/${server.conversationId}/messages`, { content: 'x'.repeat(51) });
        assert.equal(refused.body.error.code, 'payload_too_large', 'the limit it gives is the one it enforces');
        assert.equal((await fetch(`${server.url}/v1/limits`)).status, 401, 'needs the token');
      },
      { hubLimits: { maxMessageChars: 50 } },
    );
  });

  it('GET /v1/sessions shows live conversations with their status and subscribers', async () => {
    await withTestServer(async (server) => {
      assert.deepEqual((await server.request('GET', '/v1/sessions')).body, { sessions: [] });
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }], holdAfter: 1 });
      const sent = await server.request('POST', `/v1/conversations/${server.conversationId}/messages`, { content: 'x' });
      await server.upstream.waitForRequests(1);
      const { body } = await server.request('GET', '/v1/sessions');
      assert.equal(body.sessions.length, 1);
      const [session] = body.sessions;
      assert.deepEqual(
        { conversationId: session.conversationId, projectName: session.projectName, status: session.status, subscribers: session.subscribers, activeRunId: session.activeRunId, queuedRunIds: session.queuedRunIds },
        { conversationId: server.conversationId, projectName: 'demo', status: 'running', subscribers: 0, activeRunId: sent.body.run.id, queuedRunIds: [] },
      );
      assert.equal(typeof session.cursor, 'string');
      server.upstream.release();
    });
  });

  it('unknown routes are 404 not_found; a known route with the wrong method is 405 bad_request with Allow', async () => {
    await withTestServer(async (server) => {
      const unknown = await server.request('GET', '/v1/nothing-here');
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.body, { error: { code: 'not_found', message: 'No route GET /v1/nothing-here.' } });
      const wrong = await server.request('PUT', '/v1/projects');
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers.get('allow'), 'GET, POST');
      assert.deepEqual(wrong.body, { error: { code: 'bad_request', message: 'PUT is not allowed on /v1/projects; use GET or POST.' } });
      const root = await server.request('POST', '/nowhere');
      assert.equal(root.status, 404);
    });
  });

  it('malformed JSON is 400 bad_request', async () => {
    await withTestServer(async (server) => {
      const response = await server.request('POST', '/v1/projects', '{"name": "x",');
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, 'bad_request');
      assert.match(response.body.error.message, /^The request body is not valid JSON: /);
    });
  });

  it('a body over the limit is 413 payload_too_large, by Content-Length or by counting chunks, and nothing is created', async () => {
    await withTestServer(
      async (server) => {
        const path = `${server.url}/v1/conversations`;
        const headers = { ...server.authHeaders, 'content-type': 'application/json' };
        const declared = await rawRequest(path, { method: 'POST', headers: { ...headers, 'content-length': '2000' }, chunks: ['x'.repeat(2000)] });
        assert.equal(declared.status, 413);
        assert.equal(declared.headers.connection, 'close');
        assert.deepEqual(JSON.parse(declared.body), { error: { code: 'payload_too_large', message: 'The request body is larger than 1024 bytes.' } });

        // Chunked (no Content-Length): the limit is found while reading.
        const padding = ' '.repeat(600);
        const chunked = await rawRequest(path, { method: 'POST', headers, chunks: [`{"projectName":"demo",${padding}`, `${padding}"title":"big"}`] });
        assert.equal(chunked.status, 413);
        assert.equal(JSON.parse(chunked.body).error.code, 'payload_too_large');

        const exact = JSON.stringify({ projectName: 'demo', title: 'fits' }).padEnd(1024, ' ');
        const fits = await rawRequest(path, { method: 'POST', headers, chunks: [exact] });
        assert.equal(fits.status, 201);
        const titles = (await server.request('GET', '/v1/conversations')).body.conversations.map((conversation: { title: string }) => conversation.title);
        assert.deepEqual(titles.sort(), ['', 'fits']);
      },
      { limits: { maxBodyBytes: 1024 } },
    );
  });

  it('a large body is refused without the client seeing a reset (it is still sending)', async () => {
    await withTestServer(
      async (server) => {
        const big = Buffer.alloc(8 * 1024 * 1024, 0x20);
        const response = await fetch(`${server.url}/v1/projects`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': 'application/json' }, body: big });
        assert.equal(response.status, 413);
        assert.equal((await response.json()).error.code, 'payload_too_large');
      },
      { limits: { maxBodyBytes: 1024 } },
    );
  });

  it('an unexpected failure is logged and answered 500 internal with no detail', async () => {
    const logged: { message: string; fields?: Record<string, unknown> }[] = [];
    const logger: Logger = { info() {}, warn() {}, error: (message, fields) => void logged.push({ message, fields }) };
    await withTestServer(
      async (server) => {
        await server.store.close();
        const response = await server.request('GET', '/v1/projects');
        assert.equal(response.status, 500);
        assert.deepEqual(response.body, { error: { code: 'internal', message: 'Internal server error.' } });
        assert.equal(logged.length, 1);
        assert.equal(logged[0].message, 'request failed');
        assert.equal(logged[0].fields?.path, '/v1/projects');
        assert.ok(logged[0].fields?.error instanceof Error);
        await server.store.init();
      },
      { logger },
    );
  });
});
