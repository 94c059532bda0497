/**
 * Approvals over the server, against a fake OpenAI upstream that asks for a `read_file` call: the
 * request is an event on every transport, the answer is a REST call or a WebSocket frame, and
 * wrong answers get stable error codes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';
import { connectWs } from '../support/ws-client.ts';
import type { UpstreamResponse } from '../peers/upstream-script.ts';

const readCall: UpstreamResponse = { kind: 'stream', chunks: [{ toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] };
const approvalPath = (server: TestServer, approvalId: string) => `/v1/conversations/${server.conversationId}/approvals/${approvalId}`;

async function pendingApproval(server: TestServer): Promise<{ id: string; toolName: string; input: unknown; options: string[] }> {
  let approval: any;
  await eventually(async () => {
    const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
    approval = body.approvals?.[0];
    return approval !== undefined && body.runs.at(-1)?.status === 'requires-action';
  }, 10_000, 'a pending approval');
  return approval;
}

describe('approvals over the server', () => {
  it('REST: the state lists the pending approval; POST answers it (200 {approval}); the run completes with the tool result', async () => {
    await withTestServer(
      async (server) => {
        server.upstream.enqueue(readCall, { kind: 'stream', chunks: [{ text: 'Your notes say alpha.' }] });
        const sent = await server.request('POST', `/v1/conversations/${server.conversationId}/messages`, { content: 'read my notes' });
        const approval = await pendingApproval(server);
        assert.deepEqual([approval.toolName, approval.input, approval.options], ['read_file', { path: 'notes.txt' }, ['allow-once', 'allow-always', 'deny', 'deny-always']]);
        assert.equal(server.upstream.requests.length, 1);

        const wrong = [
          [{ decision: 'perhaps' }, 400, 'bad_request'],
          [{}, 400, 'bad_request'],
          [{ decision: 'deny', note: 'x'.repeat(2001) }, 400, 'bad_request'],
        ] as const;
        for (const [body, status, code] of wrong) {
          const answer = await server.request('POST', approvalPath(server, approval.id), body);
          assert.deepEqual([answer.status, answer.body.error.code], [status, code], JSON.stringify(body));
        }
        const unknown = await server.request('POST', approvalPath(server, 'appr_nope'), { decision: 'allow-once' });
        assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'not_found']);

        const answered = await server.request('POST', approvalPath(server, approval.id), { decision: 'allow-once', note: 'go ahead' });
        assert.equal(answered.status, 200);
        assert.deepEqual([answered.body.approval.status, answered.body.approval.note, answered.body.approval.resolvedBy], ['allowed', 'go ahead', 'user']);
        const again = await server.request('POST', approvalPath(server, approval.id), { decision: 'deny' });
        assert.deepEqual([again.status, again.body.error.code], [409, 'approval_closed']);

        await eventually(async () => (await server.request('GET', `/v1/conversations/${server.conversationId}`)).body.runs.at(-1)?.status === 'completed', 10_000, 'the run to complete');
        const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
        assert.equal(body.runs.at(-1).id, sent.body.run.id);
        const call = body.messages[1].parts.find((part: { kind: string }) => part.kind === 'tool-call');
        assert.equal(call.state.status, 'completed');
        const toolMessage = server.upstream.requests[1].body.messages.find((message: { role: string }) => message.role === 'tool');
        assert.match(toolMessage.content, /alpha/);
        assert.equal((await server.store.getApproval(approval.id))?.status, 'allowed');
      },
      { approvals: { tools: ['read_file'] } },
    );
  });

  it('WebSocket: a subscriber sees approval-requested and run-requires-action; an approve frame is acked with the approval, and a deny reaches the model', async () => {
    await withTestServer(
      async (server) => {
        server.upstream.enqueue(readCall, { kind: 'stream', chunks: [{ text: 'Understood.' }] });
        const watcher = await connectWs(server.url, server.authHeaders);
        const answerer = await connectWs(server.url, server.authHeaders);
        const conversationId = server.conversationId;
        await watcher.request({ type: 'subscribe', conversationId });
        await answerer.request({ type: 'send', conversationId, content: 'read my notes' });
        const requested = await watcher.waitFor((frame) => frame.type === 'approval-requested');
        await watcher.waitFor((frame) => frame.type === 'run-requires-action');
        const approvalId = requested.data.approval.id;

        const bad = await answerer.request({ type: 'approve', conversationId, approvalId, decision: 'nope' });
        assert.equal(bad.error.code, 'bad_request');
        const ack = await answerer.request({ type: 'approve', conversationId, approvalId, decision: 'deny', note: 'private' });
        assert.equal(ack.type, 'ack');
        assert.deepEqual([ack.result.approval.id, ack.result.approval.status, ack.result.approval.decision], [approvalId, 'denied', 'deny']);
        const closed = await answerer.request({ type: 'approve', conversationId, approvalId, decision: 'allow-once' });
        assert.equal(closed.error.code, 'approval_closed');

        const resolved = await watcher.waitFor((frame) => frame.type === 'approval-resolved');
        assert.equal(resolved.data.approval.status, 'denied');
        await watcher.waitFor((frame) => frame.type === 'run-completed');
        const types = watcher.events(conversationId).map((frame) => frame.type);
        assert.ok(types.indexOf('approval-requested') < types.indexOf('run-requires-action'));
        assert.ok(types.indexOf('approval-resolved') < types.indexOf('run-resumed'));
        const toolMessage = server.upstream.requests[1].body.messages.find((message: { role: string }) => message.role === 'tool');
        assert.equal(toolMessage.content, 'Denied by the user, who wrote: private');
        watcher.close();
        answerer.close();
      },
      { approvals: { tools: ['read_file'] } },
    );
  });

  it('a stop over REST ends the wait', async () => {
    await withTestServer(
      async (server) => {
        server.upstream.enqueue(readCall);
        await server.request('POST', `/v1/conversations/${server.conversationId}/messages`, { content: 'read my notes' });
        const approval = await pendingApproval(server);
        const stopped = await server.request('POST', `/v1/conversations/${server.conversationId}/stop`, {});
        assert.deepEqual([stopped.status, stopped.body.run.status], [200, 'stopped']);
        assert.equal((await server.store.getApproval(approval.id))?.status, 'cancelled');
        const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
        assert.deepEqual(body.approvals, []);
        assert.equal(server.upstream.requests.length, 1);
      },
      { approvals: { tools: ['read_file'] } },
    );
  });
});
