import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testModel, withTestServer } from '../support/server-fixture.ts';

describe('REST conversations', () => {
  it('creates a conversation with the default model when none is given', async () => {
    await withTestServer(async (server) => {
      const created = await server.request('POST', '/v1/conversations', { projectName: 'demo', title: 'Plans', systemPrompt: 'Be brief.' });
      assert.equal(created.status, 201);
      const { conversation } = created.body;
      assert.match(conversation.id, /^conv_/);
      assert.deepEqual(
        { projectName: conversation.projectName, title: conversation.title, model: conversation.model, systemPrompt: conversation.systemPrompt, busyPolicy: conversation.busyPolicy, cost: conversation.cost },
        { projectName: 'demo', title: 'Plans', model: testModel, systemPrompt: 'Be brief.', busyPolicy: 'enqueue', cost: null },
      );
      const explicit = await server.request('POST', '/v1/conversations', { projectName: 'demo', model: 'fake/m1', busyPolicy: 'reject' });
      assert.equal(explicit.status, 201);
      assert.equal(explicit.body.conversation.busyPolicy, 'reject');
    });
  });

  it('refuses bad new conversations: 400 bad_request, 400 unknown_model, 404 for a missing project', async () => {
    await withTestServer(async (server) => {
      const cases: [unknown, number, string, RegExp][] = [
        [{}, 400, 'bad_request', /^Invalid conversation: projectName: /],
        [{ projectName: 'demo', busyPolicy: 'sometimes' }, 400, 'bad_request', /busyPolicy/],
        [{ projectName: 'demo', title: 7 }, 400, 'bad_request', /title/],
        [{ projectName: 'demo', title: 'x'.repeat(201) }, 400, 'bad_request', /longer than 200/],
        [{ projectName: 'demo', model: 'fake/nope' }, 400, 'unknown_model', /offers: fake\/m1/],
        [{ projectName: 'nope' }, 404, 'not_found', /No project named "nope"/],
      ];
      for (const [body, status, code, message] of cases) {
        const response = await server.request('POST', '/v1/conversations', body);
        assert.equal(response.status, status, JSON.stringify(body));
        assert.equal(response.body.error.code, code);
        assert.match(response.body.error.message, message);
      }
      const listed = await server.request('GET', '/v1/conversations');
      assert.equal(listed.body.conversations.length, 1);
    });
  });

  it('gets a conversation with its messages, runs, retry, pending approvals and cursor', async () => {
    await withTestServer(async (server) => {
      const response = await server.request('GET', `/v1/conversations/${server.conversationId}`);
      assert.equal(response.status, 200);
      assert.deepEqual(Object.keys(response.body).sort(), ['approvals', 'conversation', 'cursor', 'messages', 'retry', 'runs']);
      assert.equal(response.body.retry, null, 'no run waits to retry');
      assert.equal(response.body.conversation.id, server.conversationId);
      assert.deepEqual(response.body.messages, []);
      assert.deepEqual(response.body.runs, []);
      assert.deepEqual(response.body.approvals, []);
      assert.match(response.body.cursor, /^.+\.0$/);
      const missing = await server.request('GET', '/v1/conversations/conv_missing');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { error: { code: 'not_found', message: 'No conversation conv_missing.' } });
    });
  });

  it('patches title, model, system prompt and busy policy', async () => {
    await withTestServer(async (server) => {
      const path = `/v1/conversations/${server.conversationId}`;
      const patched = await server.request('PATCH', path, { title: 'Renamed', systemPrompt: 'Terse.', busyPolicy: 'interrupt' });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.conversation.title, 'Renamed');
      assert.equal(patched.body.conversation.systemPrompt, 'Terse.');
      assert.equal(patched.body.conversation.busyPolicy, 'interrupt');
      assert.equal(patched.body.conversation.model, testModel);
      assert.equal((await server.request('GET', path)).body.conversation.title, 'Renamed');

      const badModel = await server.request('PATCH', path, { model: 'other/x' });
      assert.equal(badModel.status, 400);
      assert.equal(badModel.body.error.code, 'unknown_model');
      const badType = await server.request('PATCH', path, { title: ['x'] });
      assert.equal(badType.status, 400);
      assert.equal(badType.body.error.code, 'bad_request');
      const tooLong = await server.request('PATCH', path, { systemPrompt: 'x'.repeat(20_001) });
      assert.equal(tooLong.status, 413);
      assert.equal(tooLong.body.error.code, 'payload_too_large');
      assert.equal((await server.request('GET', path)).body.conversation.title, 'Renamed');
      assert.equal((await server.request('PATCH', '/v1/conversations/conv_missing', { title: 'x' })).status, 404);
    });
  });

  it('deletes a conversation for good', async () => {
    await withTestServer(async (server) => {
      const path = `/v1/conversations/${server.conversationId}`;
      const removed = await server.request('DELETE', path);
      assert.equal(removed.status, 204);
      assert.equal((await server.request('GET', path)).status, 404);
      const again = await server.request('DELETE', path);
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, 'not_found');
    });
  });

  it('lists newest first with pagination by updatedAt, filtered by project', async () => {
    await withTestServer(async (server) => {
      const ids = [server.conversationId];
      for (let i = 0; i < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 3));
        ids.push((await server.request('POST', '/v1/conversations', { projectName: 'demo', title: `c${i}` })).body.conversation.id);
      }
      const first = await server.request('GET', '/v1/conversations?project=demo&limit=2');
      assert.equal(first.status, 200);
      assert.deepEqual(first.body.conversations.map((conversation: { id: string }) => conversation.id), [ids[4], ids[3]]);
      assert.equal(first.body.nextBefore, first.body.conversations[1].updatedAt);
      assert.equal(first.body.conversations[0].messageCount, 0);
      const second = await server.request('GET', `/v1/conversations?project=demo&limit=2&before=${first.body.nextBefore}`);
      assert.deepEqual(second.body.conversations.map((conversation: { id: string }) => conversation.id), [ids[2], ids[1]]);
      const last = await server.request('GET', `/v1/conversations?project=demo&limit=2&before=${second.body.nextBefore}`);
      assert.deepEqual(last.body.conversations.map((conversation: { id: string }) => conversation.id), [ids[0]]);
      assert.equal(last.body.nextBefore, null);
      const all = await server.request('GET', '/v1/conversations');
      assert.equal(all.body.conversations.length, 5);
      assert.equal(all.body.nextBefore, null);
    });
  });

  it('refuses bad list queries with 400 and an unknown project with 404', async () => {
    await withTestServer(async (server) => {
      for (const query of ['limit=0', 'limit=201', 'limit=abc', 'limit=-1', 'before=soon']) {
        const response = await server.request('GET', `/v1/conversations?${query}`);
        assert.equal(response.status, 400, query);
        assert.equal(response.body.error.code, 'bad_request');
        assert.match(response.body.error.message, /^Invalid query: (limit|before)/);
      }
      const unknown = await server.request('GET', '/v1/conversations?project=nope');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'not_found');
    });
  });
});
