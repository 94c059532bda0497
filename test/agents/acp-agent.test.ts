/**
 * The generic ACP agent end to end through a running Confab (`serve` with a config file declaring a
 * provider of type `acp`), driving the real Claude ACP adapter (@agentclientprotocol/claude-agent-acp,
 * installed by scripts/ci/install-agents.sh) offline against a fake model (test/peers/agent-model.ts):
 * a text turn, a read and a shell command (permission asked, answered from a second client; then
 * denied), stop mid-turn then a next turn, and resume of the agent session after a Confab restart.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgentModel } from '../peers/agent-model.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { commandAskedAllowedThenDenied, crashWhileAsking, resumeAfterRestart, stopThenNextTurn } from '../support/agent-scenarios.ts';
import { startAgentServe, type AgentServe } from '../support/agent-serve.ts';
import { agentHome, agentTool } from '../support/agent-tools.ts';
import { openSse } from '../support/sse-client.ts';

const tool = agentTool('claudeAcp');

describe('an ACP agent (Claude ACP adapter) as a conversation backend', { skip: tool.skip, timeout: 240_000 }, () => {
  let model: FakeUpstream;
  let home: Awaited<ReturnType<typeof agentHome>>;
  let confab: AgentServe;

  before(async () => {
    model = await startAgentModel();
    home = await agentHome();
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
    confab = await startAgentServe({ providers, defaultModel: 'claude/default', projectName: 'acp' });
  });

  after(async () => {
    await confab?.close();
    await model?.close();
    await rm(home.dir, { recursive: true, force: true });
  });

  it('lists the agent as a model and streams a text turn into a stored reply, with the agent-reported usage and cost', async () => {
    const models = (await confab.api('GET', '/v1/models')).body;
    assert.ok(models.models.some((entry: any) => entry.id === 'claude/default'));
    assert.equal((await confab.detail()).conversation.model, 'claude/default');
    const sse = await openSse(`${confab.server.url}/v1/conversations/${confab.conversationId}/events`, { authorization: `Bearer ${confab.server.token}` });
    const runId = await confab.send('Hello, please REMEMBER-banana');
    await sse.waitFor((event) => event.type === 'run-completed' && event.runId === runId, 60_000);
    const types = sse.events().filter((event) => event.runId === runId).map((event) => event.type);
    sse.close();
    assert.deepEqual(types.filter((type) => type.startsWith('run-')), ['run-queued', 'run-started', 'run-completed']);
    assert.ok(types.includes('part-delta'), 'the text streamed as deltas');
    const conversation = await confab.detail();
    const run = conversation.runs.find((candidate: any) => candidate.id === runId);
    assert.match(run.agentSessionId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(run.usage, { inputTokens: 10, outputTokens: 5, agentReported: true });
    assert.equal(run.cost.agentReported, true);
    assert.ok(run.cost.amount > 0);
    assert.match(confab.textOf(confab.replyOf(conversation, runId)), /^Hello from the fake model\. remembered=\[REMEMBER-banana\]/);
  });

  it('reads a file by itself, and asks before a shell command: allowed from a second client it runs, denied it does not', async () => {
    const notes = join(confab.project.path, 'notes.txt');
    const readRun = await confab.send(`READ ${notes}`);
    let conversation = await confab.until('the read turn', confab.ended(readRun));
    const read = confab.replyOf(conversation, readRun).parts.find((part: any) => part.kind === 'tool-call');
    assert.equal(read.toolName, 'Read');
    assert.equal(read.providerExecuted, true);
    assert.equal(read.state.status, 'completed');
    assert.match(read.state.output, /alpha/);
    assert.match(confab.textOf(confab.replyOf(conversation, readRun)), /TOOL RESULT RECEIVED: .*alpha/s);

    await commandAskedAllowedThenDenied(confab, { toolName: 'Bash', output: 'done' });
  });

  it('stop reaches the agent mid-turn (session/cancel): the run ends stopped with its text kept, and the next turn works in the same session', () => stopThenNextTurn(confab));

  it('resumes the agent session after Confab restarts (session/load in a new agent process)', () => resumeAfterRestart(confab));

  it('an agent process that crashes while it waits for an approval fails the run saying so (no stack trace, not re-run), cancels the request, and the next message starts it again and resumes the session', async () => {
    // The adapter is this process's child (serve runs in-process), in its own process group.
    const failed = await crashWhileAsking(confab, 'claude-agent-acp');
    assert.match(failed.error.message, /The claude agent process (was killed by SIGKILL|closed its connection)\..*already run tools in this turn, so it was not run again/);
  });
});
