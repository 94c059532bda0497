/**
 * The generic ACP agent end to end through a running Confab (`serve` with a config file declaring a
 * provider of type `acp`), driving the real Claude ACP adapter (@agentclientprotocol/claude-agent-acp,
 * installed by scripts/ci/install-agents.sh) offline against a fake model (test/peers/agent-model.ts):
 * a text turn, a read and a shell command (permission asked, answered from a second client; then
 * denied), stop mid-turn then a next turn, and resume of the agent session after a Confab restart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAgentModel } from '../peers/agent-model.ts';
import { commandAskedAllowedThenDenied, crashWhileAsking, readsByItself, resumeAfterRestart, stopThenNextTurn, streamedTextTurn } from '../support/agent-scenarios.ts';
import { agentServeFixture } from '../support/agent-serve.ts';
import { agentTool, claudeCodeEnv } from '../support/agent-tools.ts';

const tool = agentTool('claudeAcp');

describe('an ACP agent (Claude ACP adapter) as a conversation backend', { skip: tool.skip, timeout: 240_000 }, () => {
  const fixture = agentServeFixture({
    startModel: startAgentModel,
    providers: (model, home) => {
      const env = { ...claudeCodeEnv(home, model), IS_SANDBOX: '1' };
      // The adapter needs Node 22+: run it with the Node running the tests, not whatever `node` is on PATH.
      return { claude: { type: 'acp', command: process.execPath, args: [tool.path], env, sessionMode: 'default', stopGraceMs: 5_000 } };
    },
    defaultModel: 'claude/default',
    projectName: 'acp',
  });

  it('lists the agent as a model and streams a text turn into a stored reply, with the agent-reported usage and cost', async () => {
    const models = (await fixture.confab.api('GET', '/v1/models')).body;
    assert.ok(models.models.some((entry: any) => entry.id === 'claude/default'));
    assert.equal((await fixture.confab.detail()).conversation.model, 'claude/default');
    const { run, text } = await streamedTextTurn(fixture.confab);
    assert.equal(run.cost.agentReported, true);
    assert.ok(run.cost.amount > 0);
    assert.match(text, /^Hello from the fake model\. remembered=\[REMEMBER-banana\]/);
  });

  it('reads a file by itself, and asks before a shell command: allowed from a second client it runs, denied it does not', async () => {
    await readsByItself(fixture.confab, 'Read');
    await commandAskedAllowedThenDenied(fixture.confab, { toolName: 'Bash', output: 'done' });
  });

  it('stop reaches the agent mid-turn (session/cancel): the run ends stopped with its text kept, and the next turn works in the same session', () => stopThenNextTurn(fixture.confab));

  it('resumes the agent session after Confab restarts (session/load in a new agent process)', () => resumeAfterRestart(fixture.confab));

  it('an agent process that crashes while it waits for an approval fails the run saying so (no stack trace, not re-run), cancels the request, and the next message starts it again and resumes the session', async () => {
    // The adapter is this process's child (serve runs in-process), in its own process group.
    const failed = await crashWhileAsking(fixture.confab, 'claude-agent-acp');
    assert.match(failed.error.message, /The claude agent process (was killed by SIGKILL|closed its connection)\..*already run tools in this turn, so it was not run again/);
  });
});
