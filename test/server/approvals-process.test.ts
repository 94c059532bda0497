/**
 * Approvals through `confab serve` as a process: `--require-approval` makes a tool ask, a SIGKILL
 * while the run waits loses nothing (after a restart it still waits), and answering then finishes it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { eventually, runConfab, spawnServe, type SpawnedServe } from '../support/server-fixture.ts';

function apiOf(serve: SpawnedServe) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${serve.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${serve.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

describe('approvals in confab serve', () => {
  it('--require-approval asks; after SIGKILL and a restart the run still waits, and answering it finishes the run', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-serve-'));
    const project = await makeProjectDir();
    const upstream = await startOpenAIUpstream();
    const args = ['--require-approval', 'read_file', '--approval-expiry', '2h'];
    let serve: SpawnedServe | undefined;
    try {
      serve = await spawnServe({ dataDir, upstreamUrl: upstream.url, args });
      let api = apiOf(serve);
      assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: project.path })).status, 201);
      const conversationId = (await api('POST', '/v1/conversations', { projectName: 'demo' })).body.conversation.id;
      upstream.enqueue({ kind: 'stream', chunks: [{ toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] });
      const sent = await api('POST', `/v1/conversations/${conversationId}/messages`, { content: 'Read my notes' });
      let detail: any;
      await eventually(async () => (detail = (await api('GET', `/v1/conversations/${conversationId}`)).body).approvals.length === 1, 15_000, 'the approval');
      const approval = detail.approvals[0];
      assert.equal(approval.expiresAt - approval.requestedAt, 2 * 60 * 60 * 1000);

      await serve.kill('SIGKILL');
      serve = await spawnServe({ dataDir, upstreamUrl: upstream.url, args });
      api = apiOf(serve);
      const after = (await api('GET', `/v1/conversations/${conversationId}`)).body;
      assert.deepEqual(after.approvals, [approval]);
      assert.deepEqual(after.runs.map((run: { id: string; status: string }) => [run.id, run.status]), [[sent.body.run.id, 'requires-action']]);

      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Alpha, beta, gamma.' }] });
      const answered = await api('POST', `/v1/conversations/${conversationId}/approvals/${approval.id}`, { decision: 'allow-once' });
      assert.equal(answered.status, 200);
      await eventually(async () => (detail = (await api('GET', `/v1/conversations/${conversationId}`)).body).runs.at(-1).status === 'completed', 15_000, 'the run to complete');
      const call = detail.messages[1].parts.find((part: { kind: string }) => part.kind === 'tool-call');
      assert.equal(call.state.status, 'completed');
      assert.match(JSON.stringify(call.state.output), /beta/);
    } finally {
      await serve?.kill('SIGKILL');
      await upstream.close();
      await project.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an --approval-expiry that is not a duration', async () => {
    const result = await runConfab(['serve', '--approval-expiry', 'soon']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'confab serve: --approval-expiry must be a duration such as 90s, 30m or 24h, got "soon".\n');
  });
});
