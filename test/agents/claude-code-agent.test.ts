/**
 * Claude Code through the Claude Agent SDK end to end through a running Confab (`serve` with a
 * provider of type `claude-code`), driving the real Claude Code 2.1.332 with the SDK 0.3.332 (both
 * installed by scripts/ci/install-agents.sh) offline against a fake model on the Anthropic Messages
 * wire (test/peers/agent-model.ts): a text turn, a read and a shell command (approval asked,
 * answered from a second client; then denied), stop mid-turn then a next turn, a model switch,
 * resume of the session after a Confab restart, and a process killed while it waits for an approval.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgentModel } from '../peers/agent-model.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { commandAskedAllowedThenDenied, crashWhileAsking, resumeAfterRestart, stopThenNextTurn, switchModel } from '../support/agent-scenarios.ts';
import { startAgentServe, type AgentServe } from '../support/agent-serve.ts';
import { agentHome, agentTool } from '../support/agent-tools.ts';
import { openSse } from '../support/sse-client.ts';

const claude = agentTool('claudeCode');
const sdk = agentTool('claudeAgentSdk');
const skip = claude.skip ?? sdk.skip;

describe('Claude Code (Claude Agent SDK) as a conversation backend', { skip, timeout: 300_000 }, () => {
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
      // Claude Code's default model, as `claude/default` should find it.
      ANTHROPIC_MODEL: 'fake-model',
      CLAUDE_CONFIG_DIR: join(home.dir, '.claude'),
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
    };
    const providers = { claude: { type: 'claude-code', command: claude.path, sdkPath: sdk.folder, env, models: ['fake-model', 'other-model'], stopGraceMs: 5_000 } };
    confab = await startAgentServe({ providers, defaultModel: 'claude/default', projectName: 'claude' });
  });

  after(async () => {
    await confab?.close();
    await model?.close();
    if (home) await rm(home.dir, { recursive: true, force: true });
  });

  it('streams a text turn into a stored reply, in the project directory, with the usage and cost Claude Code reported', async () => {
    const sse = await openSse(`${confab.server.url}/v1/conversations/${confab.conversationId}/events`, { authorization: `Bearer ${confab.server.token}` });
    const runId = await confab.send('Hello, please REMEMBER-banana');
    await sse.waitFor((event) => event.runId === runId && ['run-completed', 'run-failed'].includes(event.type), 60_000);
    const types = sse.events().filter((event) => event.runId === runId).map((event) => event.type);
    sse.close();
    assert.deepEqual(types.filter((type) => type.startsWith('run-')), ['run-queued', 'run-started', 'run-completed']);
    assert.ok(types.includes('part-delta'), 'the text streamed as deltas');
    const conversation = await confab.detail();
    const run = confab.runOf(conversation, runId);
    assert.match(run.agentSessionId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(run.usage, { inputTokens: 10, outputTokens: 5, agentReported: true });
    assert.equal(run.cost.agentReported, true);
    assert.ok(run.cost.amount > 0);
    assert.equal(confab.textOf(confab.replyOf(conversation, runId)), 'Hello from the fake model. remembered=[REMEMBER-banana] model=fake-model');
    const request = model.requests.find((candidate) => JSON.stringify(candidate.body.messages).includes('REMEMBER-banana'))!;
    assert.match(JSON.stringify(request.body), new RegExp(`Primary working directory: ${confab.project.path}`), 'Claude Code worked in the project directory');
  });

  it('reads a file by itself, and asks before a shell command: allowed from a second client it runs, denied it does not', async () => {
    const notes = join(confab.project.path, 'notes.txt');
    const read = await confab.turn(`READ ${notes}`);
    assert.equal(read.run.status, 'completed', JSON.stringify(read.run.error));
    const call = read.reply.parts.find((part: any) => part.kind === 'tool-call');
    assert.equal(call.toolName, 'Read');
    assert.equal(call.providerExecuted, true);
    assert.equal(call.state.status, 'completed');
    assert.match(call.state.output, /alpha/);
    assert.match(read.text, /TOOL RESULT RECEIVED: .*alpha/s);

    await commandAskedAllowedThenDenied(confab, { toolName: 'Bash', output: 'done' });
  });

  it('stop reaches Claude Code mid-turn (interrupt): the run ends stopped with its text kept, and the next turn continues the session', () => stopThenNextTurn(confab));

  it('a model switch takes effect on the next turn, in the same session; default is the model Claude Code starts with', async () => {
    await switchModel(confab, 'claude/other-model', 'other-model');
    await switchModel(confab, 'claude/default', 'fake-model');
  });

  it('resumes the session after Confab restarts (resume in a new Claude Code process)', () => resumeAfterRestart(confab));

  it('a Claude Code process that crashes while it waits for an approval fails the run saying so, and the next message resumes the session in a new one', async () => {
    const failed = await crashWhileAsking(confab, 'stream-json');
    assert.match(failed.error.message, /The claude agent process (was killed by SIGKILL|exited with code \d+)\./);
  });
});
