/**
 * Branches over the server, against a fake OpenAI upstream: regenerate and select-branch over REST
 * and WebSocket, edit-and-resend as a send with `parentId`, and what the upstream is sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';
import { connectWs } from '../support/ws-client.ts';

const path = (server: TestServer, tail = '') => `/v1/conversations/${server.conversationId}${tail}`;
const reply = (text: string) => ({ kind: 'stream' as const, chunks: [{ text }] });

async function idle(server: TestServer): Promise<any> {
  let body: any;
  await eventually(async () => {
    body = (await server.request('GET', path(server))).body;
    return body.runs.length > 0 && body.runs.every((run: { status: string }) => run.status === 'completed');
  }, 10_000, 'the runs to complete');
  return body;
}

const sentTexts = (server: TestServer, index: number) => server.upstream.requests[index].body.messages.map((message: { role: string; content: unknown }) => `${message.role}:${typeof message.content === 'string' ? message.content : JSON.stringify(message.content)}`);

describe('branches over the server', () => {
  it('REST: regenerate answers 202 {run}; select-branch 200 {conversation}; a send with parentId starts from there', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue(reply('first'), reply('second'), reply('edited'));
      await server.request('POST', path(server, '/messages'), { content: 'Hi' });
      const [user, first] = (await idle(server)).messages;

      const regenerated = await server.request('POST', path(server, '/regenerate'), { messageId: first.id });
      assert.equal(regenerated.status, 202);
      assert.deepEqual([regenerated.body.run.trigger, regenerated.body.run.userMessageId, regenerated.body.run.status], ['regenerate', user.id, 'queued']);
      let state = await idle(server);
      assert.equal(state.messages.length, 3);
      assert.equal(state.messages[2].parentId, user.id);
      assert.equal(state.conversation.activeMessageId, user.id);
      assert.deepEqual(sentTexts(server, 1), ['user:Hi']);

      const selected = await server.request('POST', path(server, '/select-branch'), { messageId: first.id });
      assert.equal(selected.status, 200);
      assert.equal(selected.body.conversation.activeMessageId, first.id);

      const edited = await server.request('POST', path(server, '/messages'), { content: 'Hello instead', parentId: null });
      assert.equal(edited.status, 202);
      assert.equal(edited.body.message.parentId, null);
      state = await idle(server);
      assert.equal(state.conversation.activeMessageId, undefined);
      assert.deepEqual(sentTexts(server, 2), ['user:Hello instead']);
    });
  });

  it('refuses bad branch requests with stable codes', async () => {
    await withTestServer(async (server) => {
      const cases: [string, unknown, number, string][] = [
        ['/regenerate', {}, 400, 'bad_request'],
        ['/regenerate', { messageId: 'msg_missing' }, 404, 'not_found'],
        ['/select-branch', { messageId: 7 }, 400, 'bad_request'],
        ['/select-branch', { messageId: 'msg_missing' }, 404, 'not_found'],
        ['/messages', { content: 'x', parentId: 'msg_missing' }, 404, 'not_found'],
        ['/messages', { content: 'x', parentId: '' }, 400, 'bad_request'],
      ];
      for (const [tail, body, status, code] of cases) {
        const response = await server.request('POST', path(server, tail), body);
        assert.deepEqual([response.status, response.body.error?.code], [status, code], `${tail} ${JSON.stringify(body)}`);
      }
      assert.equal(server.upstream.requests.length, 0);
    });
  });

  it('WebSocket: regenerate and select-branch frames are acknowledged with the same results', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue(reply('one'), reply('two'));
      await server.request('POST', path(server, '/messages'), { content: 'Hi' });
      const [, first] = (await idle(server)).messages;
      const ws = await connectWs(server.url, server.authHeaders);
      try {
        const regenerated = await ws.request({ type: 'regenerate', conversationId: server.conversationId, messageId: first.id });
        assert.equal(regenerated.type, 'ack');
        assert.equal(regenerated.result.run.trigger, 'regenerate');
        await idle(server);
        const selected = await ws.request({ type: 'select-branch', conversationId: server.conversationId, messageId: first.id });
        assert.equal(selected.result.conversation.activeMessageId, first.id);
        const refused = await ws.request({ type: 'select-branch', conversationId: server.conversationId, messageId: 'msg_missing' });
        assert.deepEqual([refused.type, refused.error.code], ['error', 'not_found']);
      } finally {
        ws.close();
      }
    });
  });
});
