/**
 * The scenarios every coding-agent driver must pass, against test/peers/agent-model.ts (which
 * answers `RUN`, `SLOW` and `REMEMBER-<word>`), on a conversation whose first turn said
 * `REMEMBER-banana`. Each test file (test/agents/*-agent.test.ts) runs them against its agent.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentServe } from './agent-serve.ts';
import { childPid } from './agent-serve.ts';
import { openSse } from './sse-client.ts';

const toolCallOf = (confab: AgentServe, conversation: any, runId: string) => confab.replyOf(conversation, runId).parts.find((part: any) => part.kind === 'tool-call');
const waitForApproval = (confab: AgentServe, what: string) => confab.until(what, (current) => (current.approvals ?? []).length === 1);

/**
 * The first turn, `Hello, please REMEMBER-banana`, watched by a live subscriber: it streams as
 * deltas, runs queued → started → completed, stores the agent's session id and the usage the agent
 * reported (the fake model's 10 in, 5 out). Returns the run and its reply's text.
 */
export async function streamedTextTurn(confab: AgentServe): Promise<{ run: any; text: string }> {
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
  return { run, text: confab.textOf(confab.replyOf(conversation, runId)) };
}

/** `READ <project>/notes.txt` runs the agent's read tool by itself (no approval): its call and output are shown, and the model got the file. */
export async function readsByItself(confab: AgentServe, toolName: string): Promise<void> {
  const read = await confab.turn(`READ ${join(confab.project.path, 'notes.txt')}`);
  assert.equal(read.run.status, 'completed', JSON.stringify(read.run.error));
  const call = read.reply.parts.find((part: any) => part.kind === 'tool-call');
  assert.equal(call.toolName, toolName);
  assert.equal(call.providerExecuted, true);
  assert.equal(call.state.status, 'completed');
  assert.match(call.state.output, /alpha/);
  assert.match(read.text, /TOOL RESULT RECEIVED: .*alpha/s);
}

/** Answers the approval from a second client (REST), checking that a separate subscriber sees it resolved. */
export async function answerFromSecondClient(confab: AgentServe, approvalId: string, decision: string): Promise<void> {
  const second = await openSse(`${confab.server.url}/v1/conversations/${confab.conversationId}/events`, { authorization: `Bearer ${confab.server.token}` });
  const answered = await confab.api('POST', `/v1/conversations/${confab.conversationId}/approvals/${approvalId}`, { decision });
  assert.equal(answered.status, 200, JSON.stringify(answered.body));
  await second.waitFor((event) => event.type === 'approval-resolved', 10_000);
  second.close();
}

/** A shell command is asked first: allowed from a second client it runs in the project directory; denied it does not run. */
export async function commandAskedAllowedThenDenied(confab: AgentServe, expect: { toolName: string; output: string }): Promise<void> {
  const allowedRun = await confab.send('RUN echo written > allowed.txt && echo done');
  let conversation = await waitForApproval(confab, 'the approval');
  const [approval] = conversation.approvals;
  assert.equal(approval.source, 'agent');
  assert.equal(approval.toolName, expect.toolName);
  assert.match(approval.input.command, /echo written > allowed\.txt && echo done/);
  assert.equal(confab.runOf(conversation, allowedRun).status, 'running');
  assert.equal(existsSync(join(confab.project.path, 'allowed.txt')), false, 'nothing ran before the answer');
  await answerFromSecondClient(confab, approval.id, 'allow-once');
  conversation = await confab.until('the allowed command', confab.ended(allowedRun));
  assert.equal(confab.runOf(conversation, allowedRun).status, 'completed');
  const command = toolCallOf(confab, conversation, allowedRun);
  assert.equal(command.providerExecuted, true);
  assert.equal(command.state.status, 'completed');
  assert.equal(command.state.output, expect.output);
  assert.equal(existsSync(join(confab.project.path, 'allowed.txt')), true, 'the agent ran it in the project directory');

  const deniedRun = await confab.send('RUN echo written > denied.txt && echo done');
  conversation = await waitForApproval(confab, 'the second approval');
  await confab.api('POST', `/v1/conversations/${confab.conversationId}/approvals/${conversation.approvals[0].id}`, { decision: 'deny' });
  conversation = await confab.until('the denied turn', confab.ended(deniedRun));
  assert.equal(toolCallOf(confab, conversation, deniedRun).state.status, 'error');
  assert.equal(existsSync(join(confab.project.path, 'denied.txt')), false, 'a denied command does not run');
}

/** Stop mid-turn: the run ends stopped with its text kept; the next turn continues the same agent session. */
export async function stopThenNextTurn(confab: AgentServe): Promise<void> {
  const sessionId = (await confab.detail()).runs.at(-1).agentSessionId;
  const slowRun = await confab.send('SLOW please');
  await confab.until('some slow text', (current) => /slow1/.test(confab.textOf(confab.replyOf(current, slowRun))), 30_000);
  assert.equal((await confab.api('POST', `/v1/conversations/${confab.conversationId}/stop`, {})).status, 200);
  const conversation = await confab.until('the stopped run', confab.ended(slowRun));
  assert.equal(confab.runOf(conversation, slowRun).status, 'stopped');
  const kept = confab.textOf(confab.replyOf(conversation, slowRun));
  assert.match(kept, /^slow0 slow1 /);
  assert.doesNotMatch(kept, /slow39/, 'it stopped before the end');

  const next = await confab.turn('Are you still there?');
  assert.equal(next.run.status, 'completed', JSON.stringify(next.run.error));
  assert.equal(next.run.agentSessionId, sessionId);
  assert.match(next.text, /remembered=\[REMEMBER-banana\]/);
}

/** The conversation's model changes to `modelId`: the next turn uses `modelName` (as the fake model sees it), in the same agent session. */
export async function switchModel(confab: AgentServe, modelId: string, modelName: string): Promise<void> {
  const sessionId = (await confab.detail()).runs.at(-1).agentSessionId;
  assert.equal((await confab.api('PATCH', `/v1/conversations/${confab.conversationId}`, { model: modelId })).status, 200);
  const switched = await confab.turn(`Which model now? (${modelId})`);
  assert.equal(switched.run.status, 'completed', JSON.stringify(switched.run.error));
  assert.equal(switched.run.agentSessionId, sessionId);
  assert.match(switched.text, new RegExp(`remembered=\\[REMEMBER-banana\\] model=${modelName}$`));
}

/**
 * How long a turn that starts its agent process may take: `opencode serve` takes ~20 s to start on
 * a quiet machine, and several times that on a loaded one.
 */
export const coldStartMs = 150_000;

/** After a Confab restart the next message continues the same agent session, its history kept by the agent. */
export async function resumeAfterRestart(confab: AgentServe): Promise<void> {
  const sessionId = (await confab.detail()).runs.at(-1).agentSessionId;
  await confab.restart();
  // The agent process starts again with this turn: as long as the first turn may take.
  const resumed = await confab.turn('What do you remember?', coldStartMs);
  assert.equal(resumed.run.status, 'completed', JSON.stringify(resumed.run.error));
  assert.equal(resumed.run.agentSessionId, sessionId, 'the same agent session');
  assert.match(resumed.text, /^Hello from the fake model\. remembered=\[REMEMBER-banana\]/, 'its history came from the agent, not re-sent');
}

/**
 * The agent process (found by `processNeedle` among this process's children) is killed while it
 * waits for an approval: the run fails saying so (no stack trace), the approval is closed, and
 * the next message starts it again and resumes the session. Returns the failed run.
 */
export async function crashWhileAsking(confab: AgentServe, processNeedle: string): Promise<any> {
  const sessionId = (await confab.detail()).runs.at(-1).agentSessionId;
  const crashRun = await confab.send('RUN echo late > crash.txt');
  const asked = await waitForApproval(confab, 'the approval');
  process.kill(-childPid(processNeedle), 'SIGKILL');
  const conversation = await confab.until('the failed run', confab.ended(crashRun));
  const failed = confab.runOf(conversation, crashRun);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error.code, 'upstream_error');
  assert.doesNotMatch(failed.error.message, /\n\s+at /);
  const call = toolCallOf(confab, conversation, crashRun);
  assert.match(call.state.input.command, /echo late > crash\.txt/, 'what it did before the crash is kept');
  assert.equal(call.state.status, 'error');
  assert.deepEqual(conversation.approvals ?? [], [], 'nobody is left asked about a request no agent waits for');
  const answer = await confab.api('POST', `/v1/conversations/${confab.conversationId}/approvals/${asked.approvals[0].id}`, { decision: 'allow-once' });
  assert.equal(answer.body.error.code, 'approval_closed');
  assert.equal(existsSync(join(confab.project.path, 'crash.txt')), false);

  const next = await confab.turn('Back again?', coldStartMs);
  assert.equal(next.run.status, 'completed', JSON.stringify(next.run.error));
  assert.equal(next.run.agentSessionId, sessionId);
  assert.match(next.text, /remembered=\[REMEMBER-banana\]/);
  return failed;
}
