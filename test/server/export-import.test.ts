/**
 * Export and import over the server (fake OpenAI upstream): the JSON export has every branch with
 * parts, usage and cost, the Markdown export the branch shown; importing the JSON makes a new
 * conversation with new ids that the SDK reads back the same; bad imports change nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeBranch, createClient, messageText } from '../../src/client/index.ts';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';

async function idle(server: TestServer, id: string): Promise<any> {
  let body: any;
  await eventually(async () => {
    body = (await server.request('GET', `/v1/conversations/${id}`)).body;
    return body.runs.length > 0 && body.runs.every((run: { status: string }) => run.status === 'completed');
  }, 10_000, 'the runs to complete');
  return body;
}

describe('export and import over the server', () => {
  it('exports JSON (every branch) and Markdown (the branch shown); the JSON imports as a new conversation', async () => {
    await withTestServer(async (server) => {
      const id = (await server.request('POST', '/v1/conversations', { projectName: 'demo', title: 'Colours' })).body.conversation.id;
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Red.' }], usage: { inputTokens: 1000, outputTokens: 500 } }, { kind: 'stream', chunks: [{ text: 'Use `blue`.' }] });
      await server.request('POST', `/v1/conversations/${id}/messages`, { content: 'Name a colour', context: [{ path: 'notes.txt', range: { start: 1, end: 1 } }] });
      const [, red] = (await idle(server, id)).messages;
      await server.request('POST', `/v1/conversations/${id}/regenerate`, { messageId: red.id });
      await idle(server, id);

      const exported = await fetch(`${server.url}/v1/conversations/${id}/export`, { headers: server.authHeaders });
      assert.equal(exported.status, 200);
      assert.equal(exported.headers.get('content-disposition'), `attachment; filename="Colours.json"; filename*=UTF-8''Colours.json`);
      const data = await exported.json();
      assert.deepEqual([data.format, data.version, data.conversation.id, data.messages.length], ['confab.conversation', 1, id, 3]);
      assert.deepEqual(data.messages[1].cost, { amount: 0.002, currency: 'USD', estimated: false });

      const markdown = await fetch(`${server.url}/v1/conversations/${id}/export/markdown`, { headers: server.authHeaders });
      assert.equal(markdown.headers.get('content-type'), 'text/markdown; charset=utf-8');
      const text = await markdown.text();
      assert.match(text, /^# Colours\n\nProject: demo · Model: fake\/m1 · Created: \S+ · Usage: 1010 in, 501 out tokens · \$0\.002012\n\n## You\n\nAttached `notes.txt` \(lines 1–1\):\n\n```\nalpha\n```\n\nName a colour\n\n## Assistant \(fake\/m1\)\n\nUse `blue`\.\n\n\*10 in, 1 out tokens · \$0\.000012\*\n$/);
      assert.doesNotMatch(text, /Red\./, 'the other version is not in the Markdown');

      const client = createClient({ url: server.url, token: server.token });
      const imported = await client.conversations.import(data);
      assert.notEqual(imported.id, id);
      assert.deepEqual([imported.title, imported.projectName, imported.model], ['Colours', 'demo', 'fake/m1']);
      const detail = await client.conversations.get(imported.id);
      assert.deepEqual(detail.messages.map(messageText), data.messages.map(messageText));
      assert.ok(detail.messages.every((message, index) => message.id !== data.messages[index].id && message.runId === null));
      assert.deepEqual(activeBranch(detail.messages, detail.conversation.activeMessageId).map(messageText), ['Name a colour', 'Use `blue`.']);
      assert.equal(await client.conversations.exportMarkdown(imported.id), text);
    });
  });

  it('refuses what is not an export, a broken one, or an unknown project, and creates nothing', async () => {
    await withTestServer(async (server) => {
      const data = (await server.request('GET', `/v1/conversations/${server.conversationId}/export`)).body;
      const count = async () => (await server.request('GET', '/v1/conversations')).body.conversations.length;
      const before = await count();
      const cases: [string, unknown, number, string, RegExp][] = [
        ['', { hello: 'world' }, 400, 'bad_request', /Not a Confab conversation export/],
        ['', { ...data, version: 2 }, 400, 'bad_request', /version/],
        ['', { ...data, messages: [{ ...fakeMessage('m1'), parentId: 'm0' }] }, 400, 'bad_request', /refers to message m0/],
        ['', { ...data, messages: [fakeMessage('m1'), fakeMessage('m1')] }, 400, 'bad_request', /message m1 twice/],
        ['?project=nope', data, 404, 'not_found', /nope/],
      ];
      for (const [query, body, status, code, message] of cases) {
        const response = await server.request('POST', `/v1/conversations/import${query}`, body);
        assert.deepEqual([response.status, response.body.error?.code], [status, code], JSON.stringify(body).slice(0, 80));
        assert.match(response.body.error.message, message);
      }
      assert.equal(await count(), before);
    });
  });
});

function fakeMessage(id: string) {
  return { id, conversationId: 'c', role: 'user', parentId: null, parts: [{ id: 'p', kind: 'text', text: 'x' }], status: 'completed', runId: null, model: null, usage: null, cost: null, createdAt: 1, updatedAt: 1 };
}
