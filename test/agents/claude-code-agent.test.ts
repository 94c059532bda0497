/**
 * Claude Code through the Claude Agent SDK end to end through a running Confab (`serve` with a
 * provider of type `claude-code`), driving the real Claude Code 2.1.332 with the SDK 0.3.332 (both
 * installed by scripts/ci/install-agents.sh) offline against a fake model on the Anthropic Messages
 * wire (test/peers/agent-model.ts): a text turn, a read and a shell command (approval asked,
 * answered from a second client; then denied), stop mid-turn then a next turn, a model switch,
 * resume of the session after a Confab restart, a process killed while it waits for an approval,
 * and a session Claude Code no longer has.
 */
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startAgentModel } from '../peers/agent-model.ts';
import { commandAskedAllowedThenDenied, crashWhileAsking, readsByItself, resumeAfterRestart, stopThenNextTurn, streamedTextTurn, switchModel } from '../support/agent-scenarios.ts';
import { agentServeFixture } from '../support/agent-serve.ts';
import { agentTool, claudeCodeEnv } from '../support/agent-tools.ts';

const claude = agentTool('claudeCode');
const sdk = agentTool('claudeAgentSdk');

describe('Claude Code (Claude Agent SDK) as a conversation backend', { skip: claude.skip ?? sdk.skip, timeout: 300_000 }, () => {
  const fixture = agentServeFixture({
    startModel: startAgentModel,
    providers: (model, home) => {
      // ANTHROPIC_MODEL: Claude Code's own default model, which `claude/default` leaves it on.
      const env = { ...claudeCodeEnv(home, model), ANTHROPIC_MODEL: 'fake-model' };
      return { claude: { type: 'claude-code', command: claude.path, sdkPath: sdk.folder, env, models: ['fake-model', 'other-model'], stopGraceMs: 5_000 } };
    },
    defaultModel: 'claude/default',
    projectName: 'claude',
  });

  it('streams a text turn into a stored reply, in the project directory, with the usage and cost Claude Code reported', async () => {
    const { run, text } = await streamedTextTurn(fixture.confab);
    assert.equal(run.cost.agentReported, true);
    assert.ok(run.cost.amount > 0);
    assert.equal(text, 'Hello from the fake model. remembered=[REMEMBER-banana] model=fake-model');
    const request = fixture.model.requests.find((candidate) => JSON.stringify(candidate.body.messages).includes('REMEMBER-banana'))!;
    assert.match(JSON.stringify(request.body), new RegExp(`Primary working directory: ${fixture.confab.project.path}`), 'Claude Code worked in the project directory');
    const offered = (request.body.tools ?? []).map((tool: any) => tool.name);
    assert.ok(offered.includes('Bash'), `Claude Code offers its tools: ${offered}`);
    assert.equal(offered.includes('AskUserQuestion'), false, 'AskUserQuestion is not offered: Confab cannot put its questions to a person (docs/agents.md)');
  });

  it('reads a file by itself, and asks before a shell command: allowed from a second client it runs, denied it does not', async () => {
    await readsByItself(fixture.confab, 'Read');
    await commandAskedAllowedThenDenied(fixture.confab, { toolName: 'Bash', output: 'done' });
  });

  it('stop reaches Claude Code mid-turn (interrupt): the run ends stopped with its text kept, and the next turn continues the session', () => stopThenNextTurn(fixture.confab));

  it('a model switch takes effect on the next turn, in the same session (a new process resumes it); default is the model Claude Code starts with', async () => {
    await switchModel(fixture.confab, 'claude/other-model', 'other-model');
    await switchModel(fixture.confab, 'claude/default', 'fake-model');
  });

  it('resumes the session after Confab restarts (resume in a new Claude Code process)', () => resumeAfterRestart(fixture.confab));

  it('a Claude Code process that crashes while it waits for an approval fails the run saying so, and the next message resumes the session in a new one', async () => {
    const failed = await crashWhileAsking(fixture.confab, 'stream-json');
    assert.match(failed.error.message, /The claude agent process was killed by SIGKILL\./);
  });

  it('a session Claude Code no longer has: the reply says so and why, and a new session starts', async () => {
    const lostId = (await fixture.confab.detail()).runs.at(-1).agentSessionId;
    await fixture.confab.restart();
    const projects = join(fixture.home.dir, '.claude', 'projects');
    for (const folder of await readdir(projects)) await rm(join(projects, folder, `${lostId}.jsonl`), { force: true });
    const next = await fixture.confab.turn('Do you remember?');
    assert.equal(next.run.status, 'completed', JSON.stringify(next.run.error));
    assert.notEqual(next.run.agentSessionId, lostId);
    assert.match(next.text, new RegExp(`^\\[Confab: the agent's earlier session ${lostId} could not be continued \\(Claude Code could not resume it: No conversation found with session ID: ${lostId}\\); this reply starts a new session`));
    assert.match(next.text, /Hello from the fake model\. remembered=\[\] model=fake-model$/, 'the new session has none of the earlier history');
  });
});
