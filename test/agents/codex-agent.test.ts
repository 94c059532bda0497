/**
 * Codex through `codex app-server` end to end through a running Confab (`serve` with a provider
 * of type `codex`), driving the real Codex 0.171.0 (installed by scripts/ci/install-agents.sh)
 * offline against a fake model on the OpenAI Responses wire (test/peers/agent-model.ts): a text
 * turn, a read and a shell command (approval asked, answered from a second client; then denied),
 * stop mid-turn then a next turn, a message steered into a running turn, a model switch, resume of the thread after a Confab restart, and
 * a crashed app-server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startCodexModel } from '../peers/agent-model.ts';
import { commandAskedAllowedThenDenied, crashWhileAsking, resumeAfterRestart, stopThenNextTurn, streamedTextTurn, switchModel } from '../support/agent-scenarios.ts';
import { agentServeFixture } from '../support/agent-serve.ts';
import { agentTool } from '../support/agent-tools.ts';
import { writeCodexHome } from '../support/codex-home.ts';
import { openSse } from '../support/sse-client.ts';

const tool = agentTool('codex');

describe('Codex (codex app-server) as a conversation backend', { skip: tool.skip, timeout: 240_000 }, () => {
  const fixture = agentServeFixture({
    startModel: startCodexModel,
    providers: async (model, home) => {
      const codex = await writeCodexHome(home.dir, model.url);
      const env = { ...home.env, ...codex.env };
      return {
        codex: { type: 'codex', command: tool.path, args: ['--disable', 'plugins'], env, models: ['fake-model', 'other-model'], stopGraceMs: 5_000 },
        // The same Codex with a policy that never asks (commands still sandboxed to the project).
        unasked: { type: 'codex', command: tool.path, args: ['--disable', 'plugins'], env, approvalPolicy: 'never', sandbox: 'workspace-write' },
      };
    },
    defaultModel: 'codex/default',
    projectName: 'codex',
  });

  it('streams a text turn into a stored reply, in the project directory, with the usage Codex reported', async () => {
    const { text } = await streamedTextTurn(fixture.confab);
    assert.equal(text, 'Hello from the fake model. remembered=[REMEMBER-banana] model=fake-model');
    const request = fixture.model.requests.at(-1)!;
    assert.match(JSON.stringify(request.body.input), new RegExp(`<cwd>${fixture.confab.project.path}</cwd>`), 'Codex worked in the project directory');
  });

  it('asks before a read and a shell command: allowed from a second client they run, denied it does not', async () => {
    const notes = join(fixture.confab.project.path, 'notes.txt');
    const readRun = await fixture.confab.send(`READ ${notes}`);
    let conversation = await fixture.confab.until('the read approval', (current) => (current.approvals ?? []).length === 1);
    assert.equal(conversation.approvals[0].source, 'agent');
    assert.equal(conversation.approvals[0].toolName, 'command');
    assert.match(conversation.approvals[0].input.command, /cat .*notes\.txt/);
    await fixture.confab.api('POST', `/v1/conversations/${fixture.confab.conversationId}/approvals/${conversation.approvals[0].id}`, { decision: 'allow-once' });
    conversation = await fixture.confab.until('the read turn', fixture.confab.ended(readRun));
    const read = fixture.confab.replyOf(conversation, readRun).parts.find((part: any) => part.kind === 'tool-call');
    assert.equal(read.providerExecuted, true);
    assert.equal(read.state.status, 'completed');
    assert.equal(read.state.output, 'alpha\nbeta\ngamma\n');
    assert.match(fixture.confab.textOf(fixture.confab.replyOf(conversation, readRun)), /TOOL RESULT RECEIVED: .*alpha/s);

    await commandAskedAllowedThenDenied(fixture.confab, { toolName: 'command', output: 'done\n' });
  });

  it('stop reaches Codex mid-turn (turn/interrupt): the run ends stopped with its text kept, and the next turn continues the thread', () => stopThenNextTurn(fixture.confab));

  it('a message sent with onBusy "steer" mid-turn goes into the running turn (turn/steer): the reply so far, the message, then the answer to it', async () => {
    const { confab, model } = fixture;
    const watcher = await openSse(`${confab.server.url}/v1/conversations/${confab.conversationId}/events`, { authorization: `Bearer ${confab.server.token}` });
    const slowRun = await confab.send('SLOW please');
    await confab.until('some slow text', (current) => /slow1/.test(confab.textOf(confab.replyOf(current, slowRun))), 30_000);
    const sent = await confab.api('POST', `/v1/conversations/${confab.conversationId}/messages`, { content: 'STEERED-IN: never mind the rest', onBusy: 'steer' });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    assert.equal(sent.body.run.trigger, 'steer');
    const conversation = await confab.until('the steered turn', confab.ended(slowRun), 60_000);
    assert.equal(confab.runOf(conversation, slowRun).status, 'completed');
    const steered: any = await watcher.waitFor((event) => event.type === 'run-steered', 10_000);
    watcher.close();
    assert.deepEqual([steered.runId, steered.data.intoRunId, steered.data.run.finishReason], [sent.body.run.id, slowRun, 'steered']);
    const at = conversation.messages.findIndex((message: any) => message.id === sent.body.message.id);
    const [before, user, after] = conversation.messages.slice(at - 1, at + 2);
    assert.match(confab.textOf(before), /^slow0 slow1 /);
    assert.doesNotMatch(confab.textOf(before), /slow39/, 'Codex took the message mid-turn, not after it');
    assert.deepEqual([user.role, confab.textOf(user), user.parentId], ['user', 'STEERED-IN: never mind the rest', before.id]);
    assert.deepEqual([after.role, after.runId, after.parentId], ['assistant', slowRun, user.id]);
    assert.match(confab.textOf(after), /^Hello from the fake model\. remembered=\[REMEMBER-banana\]/, 'the same thread answered it');
    const last = (request: any) => JSON.stringify(request.body.input?.at(-1) ?? null);
    assert.ok(model.requests.some((request) => last(request).includes('STEERED-IN')), 'the model got the steered words as the latest input');
    assert.equal(conversation.runs.filter((run: any) => run.status === 'queued').length, 0, 'no separate turn for it');
  });

  it('a model switch takes effect on the next turn, in the same thread; default is the model the thread started with', async () => {
    await switchModel(fixture.confab, 'codex/other-model', 'other-model');
    await switchModel(fixture.confab, 'codex/default', 'fake-model');
  });

  it('resumes the thread after Confab restarts (thread/resume in a new app-server)', () => resumeAfterRestart(fixture.confab));

  it('a provider whose approvalPolicy is "never" runs a command without asking (thread/start carries the policy)', async () => {
    const { confab, model } = fixture;
    const created = await confab.api('POST', '/v1/conversations', { projectName: 'codex', model: 'unasked/default' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const conversationId: string = created.body.conversation.id;
    const watcher = await openSse(`${confab.server.url}/v1/conversations/${conversationId}/events`, { authorization: `Bearer ${confab.server.token}` });
    const sent = await confab.api('POST', `/v1/conversations/${conversationId}/messages`, { content: 'RUN echo unasked > unasked.txt && echo done' });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const end: any = await watcher.waitFor((event) => event.runId === sent.body.run.id && ['run-completed', 'run-failed', 'run-stopped'].includes(event.type), 60_000);
    const types = watcher.events().map((event) => event.type);
    watcher.close();
    assert.equal(end.type, 'run-completed', JSON.stringify(end.data));
    assert.equal(types.includes('approval-requested'), false, 'nothing was asked');
    const conversation = (await confab.api('GET', `/v1/conversations/${conversationId}`)).body;
    const command = confab.replyOf(conversation, sent.body.run.id).parts.find((part: any) => part.kind === 'tool-call');
    assert.deepEqual([command.toolName, command.providerExecuted, command.state.status, command.state.output], ['command', true, 'completed', 'done\n']);
    assert.equal(readFileSync(join(confab.project.path, 'unasked.txt'), 'utf8'), 'unasked\n', 'it ran in the project directory');
    const told = JSON.stringify(model.requests.at(-1)!.body.input);
    assert.match(told, /Approval policy is currently never\./, 'Codex told its model it will never ask');
    assert.doesNotMatch(JSON.stringify(model.requests[0]!.body.input), /Approval policy is currently never/, 'the default provider asks');
  });

  it('an app-server that crashes while it waits for an approval fails the run saying so, and the next message resumes the thread in a new one', async () => {
    const failed = await crashWhileAsking(fixture.confab, 'app-server');
    assert.match(failed.error.message, /The codex agent process (was killed by SIGKILL|exited with code \d+|closed its connection)\./);
    assert.doesNotMatch(failed.error.message, /\x1b\[/, 'terminal colours are stripped');
  });
});
