/**
 * Full-text search over the server (embedded SQLite store, fake OpenAI upstream): GET /v1/search
 * finds user and assistant text across conversations once stored, filters by project, and refuses
 * bad queries with stable codes; the SDK's `client.search` returns the same hits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient } from '../../src/client/index.ts';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';

async function answered(server: TestServer, question: string, answer: string): Promise<string> {
  const created = await server.request('POST', '/v1/conversations', { projectName: 'demo', title: question });
  const id: string = created.body.conversation.id;
  server.upstream.enqueue({ kind: 'stream', chunks: [{ text: answer }] });
  await server.request('POST', `/v1/conversations/${id}/messages`, { content: question });
  await eventually(async () => (await server.request('GET', `/v1/conversations/${id}`)).body.runs[0]?.status === 'completed', 10_000, 'the reply');
  return id;
}

describe('search over the server', () => {
  it('GET /v1/search finds messages of every conversation, newest first, with snippets', async () => {
    await withTestServer(async (server) => {
      const first = await answered(server, 'How do I rotate the TLS certificate?', 'Run certbot renew, then reload nginx.');
      const second = await answered(server, 'Is nginx running?', 'Yes, nginx answers on port 443.');
      await eventually(async () => (await server.request('GET', '/v1/search?q=nginx')).body.hits?.length === 3, 10_000, 'the replies to be stored');
      const { status, body } = await server.request('GET', '/v1/search?q=NGINX&limit=10');
      assert.equal(status, 200);
      assert.deepEqual(body.hits.map((hit: any) => [hit.conversationId, hit.role]), [[second, 'assistant'], [second, 'user'], [first, 'assistant']]);
      assert.deepEqual(body.hits[0], { ...body.hits[0], conversationTitle: 'Is nginx running?', projectName: 'demo', snippet: 'Yes, nginx answers on port 443.', highlights: [[5, 10]] });
      assert.deepEqual((await server.request('GET', '/v1/search?q=cert%20renew')).body.hits.map((hit: any) => hit.conversationId), [first]);
      assert.deepEqual((await server.request('GET', '/v1/search?q=nginx&project=demo&limit=1')).body.hits.length, 1);

      const client = createClient({ url: server.url, token: server.token });
      const hits = await client.search('tls', { project: 'demo' });
      assert.deepEqual(hits.map((hit) => [hit.conversationId, hit.snippet, hit.highlights]), [[first, 'How do I rotate the TLS certificate?', [[20, 23]]]]);
    });
  });

  it('refuses bad searches with stable codes', async () => {
    await withTestServer(async (server) => {
      const cases: [string, number, string, RegExp][] = [
        ['/v1/search', 400, 'bad_request', /q/],
        ['/v1/search?q=%3F%21', 400, 'bad_request', /no words/],
        [`/v1/search?q=${'a'.repeat(201)}`, 400, 'bad_request', /201 characters; the limit is 200/],
        ['/v1/search?q=a+b+c+d+e+f+g+h+i', 400, 'bad_request', /9 words; the limit is 8/],
        ['/v1/search?q=x&limit=0', 400, 'bad_request', /limit must be 1 to 100/],
        ['/v1/search?q=x&project=nope', 404, 'not_found', /nope/],
      ];
      for (const [path, status, code, message] of cases) {
        const response = await server.request('GET', path);
        assert.deepEqual([response.status, response.body.error?.code], [status, code], path);
        assert.match(response.body.error.message, message, path);
      }
      const unauthorized = await fetch(`${server.url}/v1/search?q=x`);
      assert.equal(unauthorized.status, 401);
    });
  });
});
