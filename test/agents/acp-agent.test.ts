/**
 * The generic ACP agent end to end through a running Confab (`serve` with a config file declaring a
 * provider of type `acp`), driving the real Claude ACP adapter (@agentclientprotocol/claude-agent-acp,
 * installed by scripts/ci/install-agents.sh) offline against a fake model (test/peers/agent-model.ts):
 * a text turn, a read and a shell command (permission asked, answered from a second client; then
 * denied), stop mid-turn then a next turn, and resume of the agent session after a Confab restart.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { serve, type RunningServe } from '../../src/server/serve.ts';
import { startAgentModel } from '../peers/agent-model.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { agentHome, agentTool } from '../support/agent-tools.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { openSse } from '../support/sse-client.ts';

const tool = agentTool('claudeAcp');

describe('an ACP agent (Claude ACP adapter) as a conversation backend', { skip: tool.skip, timeout: 240_000 }, () => {
  let model: FakeUpstream;
  let home: Awaited<ReturnType<typeof agentHome>>;
  let project: Awaited<ReturnType<typeof makeProjectDir>>;
  let dataDir: string;
  let configPath: string;
  let server: RunningServe;
  let conversationId: string;

  const start = () => serve({ dataDir, configPath, port: 0, env: {}, staticDir: undefined });
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const detail = async () => (await api('GET', `/v1/conversations/${conversationId}`)).body;
  const until = async (what: string, condition: (conversation: any) => boolean, timeoutMs = 60_000): Promise<any> => {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const current = await detail();
      if (condition(current)) return current;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(current.runs?.at(-1))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const send = async (content: string) => {
    const sent = await api('POST', `/v1/conversations/${conversationId}/messages`, { content });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    return sent.body.run.id as string;
  };
  const ended = (runId: string) => (conversation: any) => ['completed', 'stopped', 'failed', 'interrupted'].includes(conversation.runs.find((run: any) => run.id === runId)?.status);
  const replyOf = (conversation: any, runId: string) => conversation.messages.find((message: any) => message.role === 'assistant' && message.runId === runId);
  const textOf = (message: any) => message.parts.filter((part: any) => part.kind === 'text').map((part: any) => part.text).join('');

  before(async () => {
    model = await startAgentModel();
    home = await agentHome();
    project = await makeProjectDir();
    dataDir = await mkdtemp(join(tmpdir(), 'confab-acp-data-'));
    configPath = join(dataDir, 'config.json');
    const env = {
      ...home.env,
      ANTHROPIC_BASE_URL: model.url.replace(/\/v1$/, ''),
      ANTHROPIC_API_KEY: 'fake-key',
      CLAUDE_CONFIG_DIR: join(home.dir, '.claude'),
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      IS_SANDBOX: '1',
    };
    // The adapter needs Node 22+: run it with the Node running the tests, not whatever `node` is on PATH.
    const providers = { claude: { type: 'acp', command: process.execPath, args: [tool.path], env, sessionMode: 'default', stopGraceMs: 5_000 } };
    await writeFile(configPath, JSON.stringify({ providers, defaultModel: 'claude/default' }));
    server = await start();
    assert.equal((await api('POST', '/v1/projects', { name: 'acp', path: project.path })).status, 201);
    conversationId = (await api('POST', '/v1/conversations', { projectName: 'acp' })).body.conversation.id;
  });

  after(async () => {
    await server?.close();
    await model?.close();
    await project?.cleanup();
    await rm(dataDir, { recursive: true, force: true });
    await rm(home.dir, { recursive: true, force: true });
  });

  it('lists the agent as a model and streams a text turn into a stored reply, with the agent-reported usage and cost', async () => {
    const models = (await api('GET', '/v1/models')).body;
    assert.ok(models.models.some((entry: any) => entry.id === 'claude/default'));
    assert.equal((await detail()).conversation.model, 'claude/default');
    const sse = await openSse(`${server.url}/v1/conversations/${conversationId}/events`, { authorization: `Bearer ${server.token}` });
    const runId = await send('Hello, please REMEMBER-banana');
    await sse.waitFor((event) => event.type === 'run-completed' && event.runId === runId, 60_000);
    const types = sse.events().filter((event) => event.runId === runId).map((event) => event.type);
    sse.close();
    assert.deepEqual(types.filter((type) => type.startsWith('run-')), ['run-queued', 'run-started', 'run-completed']);
    assert.ok(types.includes('part-delta'), 'the text streamed as deltas');
    const conversation = await detail();
    const run = conversation.runs.find((candidate: any) => candidate.id === runId);
    assert.match(run.agentSessionId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(run.usage, { inputTokens: 10, outputTokens: 5, agentReported: true });
    assert.equal(run.cost.agentReported, true);
    assert.ok(run.cost.amount > 0);
    assert.match(textOf(replyOf(conversation, runId)), /^Hello from the fake model\. remembered=\[REMEMBER-banana\]/);
  });

  it('reads a file by itself, and asks before a shell command: allowed from a second client it runs, denied it does not', async () => {
    const notes = join(project.path, 'notes.txt');
    const readRun = await send(`READ ${notes}`);
    let conversation = await until('the read turn', ended(readRun));
    const read = replyOf(conversation, readRun).parts.find((part: any) => part.kind === 'tool-call');
    assert.equal(read.toolName, 'Read');
    assert.equal(read.providerExecuted, true);
    assert.equal(read.state.status, 'completed');
    assert.match(read.state.output, /alpha/);
    assert.match(textOf(replyOf(conversation, readRun)), /TOOL RESULT RECEIVED: .*alpha/s);

    const runRun = await send('RUN echo written > allowed.txt && echo done');
    conversation = await until('the approval', (current) => (current.approvals ?? []).length === 1);
    const [approval] = conversation.approvals;
    assert.equal(approval.source, 'agent');
    assert.equal(approval.toolName, 'Bash');
    assert.equal(approval.input.command, 'echo written > allowed.txt && echo done');
    assert.equal(conversation.runs.find((run: any) => run.id === runRun).status, 'running');
    assert.equal(existsSync(join(project.path, 'allowed.txt')), false, 'nothing ran before the answer');
    // A second client: its own SSE subscription sees the request, and answers it over REST.
    const second = await openSse(`${server.url}/v1/conversations/${conversationId}/events`, { authorization: `Bearer ${server.token}` });
    const answered = await api('POST', `/v1/conversations/${conversationId}/approvals/${approval.id}`, { decision: 'allow-once' });
    assert.equal(answered.status, 200);
    await second.waitFor((event) => event.type === 'approval-resolved', 10_000);
    second.close();
    conversation = await until('the allowed command', ended(runRun));
    assert.equal(conversation.runs.find((run: any) => run.id === runRun).status, 'completed');
    const bash = replyOf(conversation, runRun).parts.find((part: any) => part.kind === 'tool-call');
    assert.equal(bash.state.status, 'completed');
    assert.equal(bash.state.output, 'done');
    assert.equal(existsSync(join(project.path, 'allowed.txt')), true, 'the agent ran it in the project directory');

    const deniedRun = await send('RUN echo written > denied.txt && echo done');
    conversation = await until('the second approval', (current) => (current.approvals ?? []).length === 1);
    await api('POST', `/v1/conversations/${conversationId}/approvals/${conversation.approvals[0].id}`, { decision: 'deny' });
    conversation = await until('the denied turn', ended(deniedRun));
    const denied = replyOf(conversation, deniedRun).parts.find((part: any) => part.kind === 'tool-call');
    assert.equal(denied.state.status, 'error');
    assert.equal(existsSync(join(project.path, 'denied.txt')), false, 'a denied command does not run');
  });

  it('stop reaches the agent mid-turn (session/cancel): the run ends stopped with its text kept, and the next turn works in the same session', async () => {
    const before = await detail();
    const sessionId = before.runs.at(-1).agentSessionId;
    const slowRun = await send('SLOW please');
    await until('some slow text', (current) => /slow1/.test(textOf(replyOf(current, slowRun) ?? { parts: [] })), 30_000);
    const stopped = await api('POST', `/v1/conversations/${conversationId}/stop`, {});
    assert.equal(stopped.status, 200);
    let conversation = await until('the stopped run', ended(slowRun));
    const run = conversation.runs.find((candidate: any) => candidate.id === slowRun);
    assert.equal(run.status, 'stopped');
    const kept = textOf(replyOf(conversation, slowRun));
    assert.match(kept, /^slow0 slow1 /);
    assert.doesNotMatch(kept, /slow39/, 'it stopped before the end');

    const nextRun = await send('Are you still there?');
    conversation = await until('the next turn', ended(nextRun));
    const next = conversation.runs.find((candidate: any) => candidate.id === nextRun);
    assert.equal(next.status, 'completed');
    assert.equal(next.agentSessionId, sessionId);
    assert.match(textOf(replyOf(conversation, nextRun)), /remembered=\[REMEMBER-banana\]/);
  });

  it('resumes the agent session after Confab restarts (session/load in a new agent process)', async () => {
    const sessionId = (await detail()).runs.at(-1).agentSessionId;
    await server.close();
    server = await start();
    const runId = await send('What do you remember?');
    const conversation = await until('the resumed turn', ended(runId));
    const run = conversation.runs.find((candidate: any) => candidate.id === runId);
    assert.equal(run.status, 'completed', JSON.stringify(run.error));
    assert.equal(run.agentSessionId, sessionId, 'the same agent session');
    assert.match(textOf(replyOf(conversation, runId)), /^Hello from the fake model\. remembered=\[REMEMBER-banana\]/, 'its history came from the agent, not re-sent');
  });

  it('an agent process that crashes while it waits for an approval fails the run saying so (no stack trace, not re-run), cancels the request, and the next message starts it again and resumes the session', async () => {
    const sessionId = (await detail()).runs.at(-1).agentSessionId;
    const slowRun = await send('RUN echo late > crash.txt');
    const asked = await until('the approval', (current) => (current.approvals ?? []).length === 1);
    // The adapter is this process's child (serve runs in-process), in its own process group.
    const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    const agentPid = Number(children.split('\n').find((line) => line.includes('claude-agent-acp'))?.trim().split(/\s+/)[0]);
    assert.ok(agentPid > 0, `the agent process among: ${children}`);
    process.kill(-agentPid, 'SIGKILL');
    let conversation = await until('the failed run', ended(slowRun));
    const failed = conversation.runs.find((candidate: any) => candidate.id === slowRun);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error.code, 'upstream_error');
    assert.match(failed.error.message, /The claude agent process (was killed by SIGKILL|closed its connection)\..*already run tools in this turn, so it was not run again/);
    assert.doesNotMatch(failed.error.message, /\n\s+at /);
    const call = replyOf(conversation, slowRun).parts.find((part: any) => part.kind === 'tool-call');
    assert.equal(call.state.input.command, 'echo late > crash.txt', 'what it did before the crash is kept');
    assert.equal(call.state.status, 'error');
    assert.deepEqual(conversation.approvals ?? [], [], 'nobody is left asked about a request no agent waits for');
    const answer = await api('POST', `/v1/conversations/${conversationId}/approvals/${asked.approvals[0].id}`, { decision: 'allow-once' });
    assert.equal(answer.body.error.code, 'approval_closed');

    const nextRun = await send('Back again?');
    conversation = await until('the turn after the crash', ended(nextRun));
    const next = conversation.runs.find((candidate: any) => candidate.id === nextRun);
    assert.equal(next.status, 'completed', JSON.stringify(next.error));
    assert.equal(next.agentSessionId, sessionId);
    assert.match(textOf(replyOf(conversation, nextRun)), /remembered=\[REMEMBER-banana\]/);
  });
});
