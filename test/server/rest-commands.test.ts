import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';

const messagesPath = (server: TestServer) => `/v1/conversations/${server.conversationId}/messages`;

async function runStatus(server: TestServer, runId: string): Promise<string | undefined> {
  const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
  return body.runs.find((run: { id: string }) => run.id === runId)?.status;
}

async function waitForRunStatus(server: TestServer, runId: string, status: string): Promise<void> {
  let last: string | undefined;
  await eventually(async () => (last = await runStatus(server, runId)) === status, 5000, `run ${runId} to be ${status} (is ${last})`);
}

const assistantText = (body: { messages: { role: string; parts: { kind: string; text?: string }[] }[] }) =>
  body.messages
    .filter((message) => message.role === 'assistant')
    .map((message) => message.parts.filter((part) => part.kind === 'text').map((part) => part.text).join(''));

describe('REST messages', () => {
  it('accepts a message with 202 {message, run} and the run answers it', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hello' }, { text: ' there' }], usage: { inputTokens: 1000, outputTokens: 500 } });
      const sent = await server.request('POST', messagesPath(server), { content: 'Hi', context: [{ path: 'README.md', range: { start: 1, end: 1 } }] });
      assert.equal(sent.status, 202);
      assert.deepEqual(Object.keys(sent.body).sort(), ['message', 'run']);
      assert.equal(sent.body.message.role, 'user');
      assert.deepEqual(sent.body.message.parts.map((part: { kind: string }) => part.kind), ['context', 'text']);
      assert.equal(sent.body.message.parts[0].content, '# Demo\n');
      assert.equal(sent.body.run.status, 'queued');
      await waitForRunStatus(server, sent.body.run.id, 'completed');
      const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
      assert.deepEqual(assistantText(body), ['Hello there']);
      assert.deepEqual(body.conversation.cost, { amount: 0.002, currency: 'USD', estimated: false });
      assert.equal(server.upstream.requests[0].body.model, 'm1');
    });
  });

  it('repeating a send with the same clientRequestId returns the first message and run', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'once' }] });
      const first = await server.request('POST', messagesPath(server), { content: 'Hi', clientRequestId: 'req-1' });
      const second = await server.request('POST', messagesPath(server), { content: 'Hi', clientRequestId: 'req-1' });
      assert.equal(second.status, 202);
      assert.equal(second.body.run.id, first.body.run.id);
      assert.equal(second.body.message.id, first.body.message.id);
      await waitForRunStatus(server, first.body.run.id, 'completed');
      assert.equal(server.upstream.requests.length, 1);
    });
  });

  it('refuses bad messages and changes nothing', async () => {
    await withTestServer(
      async (server) => {
        const cases: [unknown, number, string, RegExp][] = [
          [{}, 400, 'bad_request', /^Invalid message: content: /],
          [{ content: '' }, 400, 'bad_request', /content must not be empty/],
          [{ content: 'x', onBusy: 'later' }, 400, 'bad_request', /onBusy/],
          [{ content: 'x', context: 'README.md' }, 400, 'bad_request', /context/],
          [{ content: 'x'.repeat(51) }, 413, 'payload_too_large', /51 characters; the limit is 50/],
          [{ content: 'x', context: [{ path: 'a' }, { path: 'b' }, { path: 'c' }] }, 413, 'payload_too_large', /3 context attachments; the limit is 2/],
          [{ content: 'x', context: [{ path: 'README.md' }, { path: 'notes.txt' }] }, 413, 'payload_too_large', /over the .* limit/],
          [{ content: 'x', context: [{ path: '../../etc/passwd' }] }, 400, 'bad_request', /./],
          [{ content: 'x', context: [{ path: 'a'.repeat(256) }] }, 400, 'bad_request', /name over 255 bytes/],
          [{ content: 'x', context: [{ path: 'a/'.repeat(2100) }] }, 400, 'bad_request', /the limit is 4095/],
        ];
        for (const [body, status, code, message] of cases) {
          const response = await server.request('POST', messagesPath(server), body);
          assert.equal(response.status, status, JSON.stringify(body));
          assert.equal(response.body.error.code, code, JSON.stringify(response.body));
          assert.match(response.body.error.message, message);
        }
        const missing = await server.request('POST', '/v1/conversations/conv_missing/messages', { content: 'x' });
        assert.equal(missing.status, 404);
        const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
        assert.deepEqual(body.messages, []);
        assert.deepEqual(body.runs, []);
        assert.equal(server.upstream.requests.length, 0);
      },
      { hubLimits: { maxMessageChars: 50, maxContextParts: 2, maxContextBytes: 40 } },
    );
  });

  it('answers 400 unknown_model when the conversation has no model', async () => {
    await withTestServer(async (server) => {
      const conversation = await server.hub.createConversation({ projectName: 'demo' });
      const response = await server.request('POST', `/v1/conversations/${conversation.id}/messages`, { content: 'x' });
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, 'unknown_model');
    });
  });

  it('answers 409 conversation_busy when the busy policy is reject', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'slow' }, { text: '!' }], holdAfter: 1 });
      const first = await server.request('POST', messagesPath(server), { content: 'one' });
      await server.upstream.waitForRequests(1);
      const refused = await server.request('POST', messagesPath(server), { content: 'two', onBusy: 'reject' });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'conversation_busy');
      server.upstream.release();
      await waitForRunStatus(server, first.body.run.id, 'completed');
    });
  });
});

describe('REST stop and continue', () => {
  it('stop ends the active run and returns it; continue carries on from its partial message', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue(
        { kind: 'stream', chunks: [{ text: 'Part' }, { text: 'ial' }], holdAfter: 1 },
        { kind: 'stream', chunks: [{ text: ' and the rest' }] },
      );
      const sent = await server.request('POST', messagesPath(server), { content: 'Go' });
      await server.upstream.waitForRequests(1);
      await eventually(async () => {
        const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
        return assistantText(body)[0] === 'Part';
      });
      const stopped = await server.request('POST', `/v1/conversations/${server.conversationId}/stop`);
      assert.equal(stopped.status, 200);
      assert.equal(stopped.body.run.id, sent.body.run.id);
      assert.equal(stopped.body.run.status, 'stopped');

      const continued = await server.request('POST', `/v1/conversations/${server.conversationId}/continue`);
      assert.equal(continued.status, 202);
      assert.equal(continued.body.run.trigger, 'continue');
      await waitForRunStatus(server, continued.body.run.id, 'completed');
      const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
      assert.deepEqual(assistantText(body), ['Part and the rest']);
    });
  });

  it('stop on an idle conversation returns {run: null}; a runId must be a string', async () => {
    await withTestServer(async (server) => {
      const idle = await server.request('POST', `/v1/conversations/${server.conversationId}/stop`, { runId: 'run_unknown' });
      assert.equal(idle.status, 200);
      assert.deepEqual(idle.body, { run: null });
      const bad = await server.request('POST', `/v1/conversations/${server.conversationId}/stop`, { runId: 5 });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'bad_request');
      assert.equal((await server.request('POST', '/v1/conversations/conv_missing/stop')).status, 404);
    });
  });

  it('continue answers 409 nothing_to_continue after a completed run and 409 conversation_busy during one', async () => {
    await withTestServer(async (server) => {
      const continuePath = `/v1/conversations/${server.conversationId}/continue`;
      const empty = await server.request('POST', continuePath);
      assert.equal(empty.status, 409);
      assert.equal(empty.body.error.code, 'nothing_to_continue');

      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'done' }] }, { kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }], holdAfter: 1 });
      const first = await server.request('POST', messagesPath(server), { content: 'one' });
      await waitForRunStatus(server, first.body.run.id, 'completed');
      const completed = await server.request('POST', continuePath);
      assert.equal(completed.status, 409);
      assert.equal(completed.body.error.code, 'nothing_to_continue');

      const second = await server.request('POST', messagesPath(server), { content: 'two' });
      await server.upstream.waitForRequests(2);
      const busy = await server.request('POST', continuePath);
      assert.equal(busy.status, 409);
      assert.equal(busy.body.error.code, 'conversation_busy');
      server.upstream.release();
      await waitForRunStatus(server, second.body.run.id, 'completed');
      assert.equal((await server.request('POST', '/v1/conversations/conv_missing/continue')).status, 404);
    });
  });
});
