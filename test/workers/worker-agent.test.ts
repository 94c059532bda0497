/**
 * A coding agent (the Claude ACP adapter, offline against test/peers/agent-model.ts) run by a
 * machine worker: the agent works in the worker's directory for the project, and its permission
 * requests become durable approvals on the server, answered by a client there.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startAgentModel } from '../peers/agent-model.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { agentHome, agentTool, claudeCodeEnv } from '../support/agent-tools.ts';
import { openSse } from '../support/sse-client.ts';
import { startWorkerSetup, textOf, waitUntil, type WorkerSetup } from './worker-processes.ts';

const tool = agentTool('claudeAcp');

describe('machine workers: a coding agent runs on the worker', { skip: tool.skip, timeout: 300_000 }, () => {
  let setup: WorkerSetup;
  let model: FakeUpstream;
  let home: Awaited<ReturnType<typeof agentHome>>;
  before(async () => {
    model = await startAgentModel();
    home = await agentHome();
    const env = { ...claudeCodeEnv(home, model), IS_SANDBOX: '1' };
    // The adapter needs Node 22+: run it with the Node running the tests.
    const claude = { type: 'acp', command: process.execPath, args: [tool.path!], env, sessionMode: 'default', stopGraceMs: 5_000 };
    setup = await startWorkerSetup({ serveArgs: ['--worker-heartbeat', '1s'], providers: { claude } });
  });
  after(async () => {
    await setup?.close();
    await model?.close();
    if (home) await rm(home.dir, { recursive: true, force: true });
  });

  test('the agent works in the worker\'s directory; its permission request is an approval on the server, answered by a client: allowed it runs there, denied it does not', async () => {
    const { token } = await setup.addWorker('agent-box', ['agentic']);
    const dir = await setup.projectDir('agentic', { 'notes.txt': 'alpha notes on the worker' });
    const worker = await setup.spawnWorker({ token, projects: { agentic: dir } });
    const conversationId = await setup.conversation('agentic', 'claude/default');

    const read = await setup.send(conversationId, `READ ${join(dir, 'notes.txt')}`);
    const { run: readEnded, detail: afterRead } = await setup.waitForRunEnd(conversationId, read.id, 180_000);
    assert.equal(readEnded.status, 'completed', JSON.stringify(readEnded.error));
    assert.ok(worker.stderr().includes(read.id), 'the turn ran on the worker');
    assert.match(textOf(afterRead.messages.at(-1)), /TOOL RESULT RECEIVED: .*alpha notes on the worker/s);

    const sse = await openSse(`${setup.server.url}/v1/conversations/${conversationId}/events`, { authorization: `Bearer ${setup.server.token}` });
    const allowed = await setup.send(conversationId, 'RUN echo written > allowed.txt && echo done');
    const requested = await sse.waitFor((event) => event.type === 'approval-requested', 120_000);
    const approval = (requested.data as { approval: any }).approval;
    assert.equal(approval.source, 'agent');
    assert.equal(approval.runId, allowed.id);
    assert.equal(approval.toolName, 'Bash');
    assert.match(approval.input.command, /echo written > allowed\.txt/);
    const pending = await setup.detail(conversationId);
    assert.deepEqual(pending.approvals.map((entry: any) => [entry.id, entry.status]), [[approval.id, 'pending']], 'stored on the server');
    assert.equal(pending.runs.find((run: any) => run.id === allowed.id).status, 'running');
    assert.equal(existsSync(join(dir, 'allowed.txt')), false, 'nothing ran before the answer');
    const answered = await setup.request('POST', `/v1/conversations/${conversationId}/approvals/${approval.id}`, { decision: 'allow-once' });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const { run: allowedEnded, detail } = await setup.waitForRunEnd(conversationId, allowed.id, 120_000);
    assert.equal(allowedEnded.status, 'completed', JSON.stringify(allowedEnded.error));
    const call = detail.messages.at(-1).parts.find((part: any) => part.kind === 'tool-call');
    assert.equal(call.providerExecuted, true);
    assert.equal(call.state.status, 'completed');
    assert.equal(existsSync(join(dir, 'allowed.txt')), true, 'the agent ran the command in the worker\'s directory');

    const denied = await setup.send(conversationId, 'RUN echo written > denied.txt && echo done');
    const second = await sse.waitFor((event) => event.type === 'approval-requested' && (event.data as { approval: any }).approval.runId === denied.id, 120_000);
    assert.equal((await setup.request('POST', `/v1/conversations/${conversationId}/approvals/${(second.data as { approval: any }).approval.id}`, { decision: 'deny' })).status, 200);
    const { run: deniedEnded, detail: afterDenied } = await setup.waitForRunEnd(conversationId, denied.id, 120_000);
    sse.close();
    assert.equal(deniedEnded.status, 'completed', JSON.stringify(deniedEnded.error));
    assert.equal(afterDenied.messages.at(-1).parts.find((part: any) => part.kind === 'tool-call').state.status, 'error');
    assert.equal(existsSync(join(dir, 'denied.txt')), false, 'a denied command does not run');
    await waitUntil(async () => ((await setup.detail(conversationId)).approvals ?? []).length === 0, 10_000, () => 'no approval left pending');
  });

  test('stopped while its agent waits for an answer: the run ends stopped and the server closes the pending approval', async () => {
    const conversationId = await setup.conversation('agentic', 'claude/default');
    const sse = await openSse(`${setup.server.url}/v1/conversations/${conversationId}/events`, { authorization: `Bearer ${setup.server.token}` });
    const asking = await setup.send(conversationId, 'RUN echo late > stopped.txt');
    const requested = await sse.waitFor((event) => event.type === 'approval-requested', 120_000);
    const approvalId = (requested.data as { approval: any }).approval.id;
    const stopped = await setup.request('POST', `/v1/conversations/${conversationId}/stop`, {});
    assert.equal(stopped.status, 200);
    assert.equal(stopped.body.run.id, asking.id);
    assert.equal(stopped.body.run.status, 'stopped');
    const resolved = await sse.waitFor((event) => event.type === 'approval-resolved' && (event.data as { approval: any }).approval.id === approvalId, 30_000);
    sse.close();
    assert.equal((resolved.data as { approval: any }).approval.status, 'cancelled');
    assert.deepEqual((await setup.detail(conversationId)).approvals ?? [], []);
  });
});
