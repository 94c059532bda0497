/**
 * OpenCode through one shared `opencode serve` end to end through a running Confab (`serve` with a
 * provider of type `opencode`), driving the real OpenCode 1.18.33 (installed by
 * scripts/ci/install-agents.sh) offline against a fake model on the chat-completions wire
 * (test/peers/agent-model.ts): a text turn, a read (by itself) and a shell command (asked,
 * answered from a second client; then denied), stop mid-turn then a next turn, a model switch,
 * resume of the session after a Confab restart, and a crashed server.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startOpenCodeModel } from '../peers/agent-model.ts';
import { coldStartMs, commandAskedAllowedThenDenied, crashWhileAsking, readsByItself, resumeAfterRestart, stopThenNextTurn, switchModel } from '../support/agent-scenarios.ts';
import { agentServeFixture, childPid } from '../support/agent-serve.ts';
import { agentTool } from '../support/agent-tools.ts';

const tool = agentTool('opencode');

describe('OpenCode (one shared opencode serve) as a conversation backend', { skip: tool.skip, timeout: 600_000 }, () => {
  const fixture = agentServeFixture({
    startModel: startOpenCodeModel,
    providers: async (model, home) => {
      await mkdir(join(home.env.XDG_CONFIG_HOME, 'opencode'), { recursive: true });
      const provider = { npm: '@ai-sdk/openai-compatible', name: 'Fake', options: { baseURL: model.url, apiKey: 'fake-key' }, models: { 'fake-model': { name: 'Fake' }, 'other-model': { name: 'Other' } } };
      await writeFile(join(home.env.XDG_CONFIG_HOME, 'opencode', 'opencode.json'), JSON.stringify({ autoupdate: false, share: 'disabled', model: 'fake/fake-model', provider: { fake: provider } }));
      const env = { ...home.env, OPENCODE_DISABLE_AUTOUPDATE: '1', OPENCODE_DISABLE_MODELS_FETCH: '1', OPENCODE_DISABLE_LSP_DOWNLOAD: '1', OPENCODE_DISABLE_SHARE: '1', OPENCODE_DISABLE_DEFAULT_PLUGINS: '1' };
      return { opencode: { type: 'opencode', command: tool.path, env, models: ['fake/fake-model', 'fake/other-model'], stopGraceMs: 5_000 } };
    },
    defaultModel: 'opencode/default',
    projectName: 'opencode',
  });

  it('streams a text turn into a stored reply with the usage OpenCode reported', async () => {
    const first = await fixture.confab.turn('Hello, please REMEMBER-banana', coldStartMs);
    assert.equal(first.run.status, 'completed', JSON.stringify(first.run.error));
    assert.match(first.run.agentSessionId, /^ses_/);
    assert.deepEqual(first.run.usage, { inputTokens: 10, outputTokens: 5, agentReported: true });
    assert.equal(first.text, 'Hello from the fake model. remembered=[REMEMBER-banana] model=fake-model');
    const offered = (fixture.model.requests.at(-1)!.body.tools ?? []).map((tool: any) => tool.function?.name);
    assert.ok(offered.includes('bash'), `OpenCode offers its tools: ${offered}`);
    assert.equal(offered.includes('question'), false, 'its question tool is not offered: Confab cannot put its question to a person (docs/agents.md)');
    const args = execFileSync('ps', ['-o', 'args=', '-p', String(childPid('opencode'))], { encoding: 'utf8' });
    const port = /--port (\d+)/.exec(args)?.[1];
    assert.equal((await fetch(`http://127.0.0.1:${port}/session`)).status, 401, 'the shared server answers only Confab (its password)');
  });

  it('reads a file by itself, and asks before a shell command: allowed from a second client it runs, denied it does not', async () => {
    await readsByItself(fixture.confab, 'read');
    await commandAskedAllowedThenDenied(fixture.confab, { toolName: 'bash', output: 'done\n' });
  });

  it('stop reaches OpenCode mid-turn (abort): the run ends stopped with its text kept, and the next turn continues the session', () => stopThenNextTurn(fixture.confab));

  it('a model switch takes effect on the next turn, in the same session', () => switchModel(fixture.confab, 'opencode/fake/other-model', 'other-model'));

  it('resumes the session after Confab restarts (a new opencode serve, the same session)', () => resumeAfterRestart(fixture.confab));

  it('a server that crashes while it waits for an approval fails the run saying so, and the next message starts a new server and continues the session', async () => {
    const failed = await crashWhileAsking(fixture.confab, 'opencode');
    assert.match(failed.error.message, /The opencode agent process (was killed by SIGKILL|exited with code \d+)\./);
  });
});
