/**
 * A coding agent's permission requests become Confab's durable approvals (source 'agent'): the
 * agent's turn waits while the run stays running; any client answers; the answer goes back to the
 * agent; "always" answers are remembered per conversation; a stop cancels the request.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Approval } from '../../src/domain/approval-schemas.ts';
import { ConfabError } from '../../src/domain/errors.ts';
import type { ModelResolver } from '../../src/engine/run/run-context.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import type { PermissionAnswer } from '../../src/providers/stream-part.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { ScriptedAgent, type AgentScriptItem } from '../support/scripted-agent.ts';

const agentModels = (agent: ScriptedAgent): ModelResolver => ({
  resolve(modelId) {
    if (!modelId.startsWith('agent/')) throw new ConfabError('unknown_model', `Unknown model ${modelId}`);
    return { source: agent, pricing: undefined };
  },
});
const approvalOf = (event: ConfabEvent): Approval => (event as Extract<ConfabEvent, { type: 'approval-requested' }>).data.approval;

/** A turn that asks to run `rm -rf build`, records the answer, then reports the tool's end. */
function askingTurn(answers: PermissionAnswer[], toolCallId = 'c1'): AgentScriptItem[] {
  return [
    { type: 'agent-session', sessionId: 's1' },
    { type: 'tool-call', toolCallId, toolName: 'Bash', input: { command: 'rm -rf build' }, providerExecuted: true },
    { type: 'permission-request', toolCallId, toolName: 'Bash', input: { command: 'rm -rf build' }, answer: (answer) => answers.push(answer) },
    { type: 'tool-result', toolCallId, toolName: 'Bash', output: 'removed', isError: false },
    { type: 'text-start', id: 't' },
    { type: 'text-delta', id: 't', delta: 'Done.' },
    { type: 'text-end', id: 't' },
    { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } },
  ];
}

describe('agent permission requests', () => {
  it('become a stored approval answered from another client; the answer reaches the agent and the run completes', async () => {
    const answers: PermissionAnswer[] = [];
    const fixture = await makeHub(agentModels(new ScriptedAgent().enqueue(askingTurn(answers))), { model: 'agent/x' });
    try {
      const { hub, conversation, store } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const { run } = await hub.send(conversation.id, { content: 'clean' });
      const approval = approvalOf(await events.waitFor((event) => event.type === 'approval-requested'));
      assert.equal(approval.source, 'agent');
      assert.equal(approval.toolName, 'Bash');
      assert.deepEqual(approval.input, { command: 'rm -rf build' });
      assert.equal((await store.getApproval(approval.id))?.status, 'pending', 'stored before it was announced');
      assert.equal((await hub.getConversation(conversation.id)).state.runs.find((candidate) => candidate.id === run.id)?.status, 'running', 'the agent turn stays live');
      assert.deepEqual(answers, []);

      await hub.approve(conversation.id, approval.id, { decision: 'allow-once' });
      const end = await events.waitFor((event) => isRunEnd(event) && event.runId === run.id);
      assert.equal(end.type, 'run-completed');
      assert.deepEqual(answers, ['allow']);
      const states = events.events.flatMap((event) => (event.type === 'tool-call' ? [event.data.part.state.status] : []));
      assert.deepEqual(states, ['running', 'awaiting-approval', 'running', 'completed']);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a deny goes back to the agent; allow-always is remembered for the next request in the conversation', async () => {
    const answers: PermissionAnswer[] = [];
    const agent = new ScriptedAgent().enqueue(askingTurn(answers, 'c1'), askingTurn(answers, 'c2'), askingTurn(answers, 'c3'));
    const fixture = await makeHub(agentModels(agent), { model: 'agent/x' });
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const first = await hub.send(conversation.id, { content: 'one' });
      await hub.approve(conversation.id, approvalOf(await events.waitFor((event) => event.type === 'approval-requested')).id, { decision: 'deny', note: 'not now' });
      await events.waitFor((event) => isRunEnd(event) && event.runId === first.run.id);
      const second = await hub.send(conversation.id, { content: 'two' });
      const asked = approvalOf(await events.waitFor((event) => event.type === 'approval-requested' && event.runId === second.run.id));
      await hub.approve(conversation.id, asked.id, { decision: 'allow-always' });
      await events.waitFor((event) => isRunEnd(event) && event.runId === second.run.id);
      const third = await hub.send(conversation.id, { content: 'three' });
      await events.waitFor((event) => isRunEnd(event) && event.runId === third.run.id);
      assert.deepEqual(answers, ['deny', 'allow', 'allow']);
      assert.equal(events.events.filter((event) => event.type === 'approval-requested').length, 2, 'the third request was answered by the remembered rule');
      const remembered = events.events.filter((event): event is Extract<ConfabEvent, { type: 'approval-resolved' }> => event.type === 'approval-resolved' && event.runId === third.run.id);
      assert.equal(remembered[0]?.data.approval.resolvedBy, 'remembered');
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a stop while the agent waits cancels the request, tells the agent, and ends the run stopped', async () => {
    const answers: PermissionAnswer[] = [];
    const fixture = await makeHub(agentModels(new ScriptedAgent().enqueue(askingTurn(answers))), { model: 'agent/x' });
    try {
      const { hub, conversation, store } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'clean' });
      const approval = approvalOf(await events.waitFor((event) => event.type === 'approval-requested'));
      const { run } = await hub.stop(conversation.id);
      assert.equal(run?.status, 'stopped');
      assert.deepEqual(answers, ['cancel']);
      assert.equal((await store.getApproval(approval.id))?.status, 'cancelled');
      await assert.rejects(hub.approve(conversation.id, approval.id, { decision: 'allow-once' }), (error) => ConfabError.is(error, 'approval_closed'));
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });
});
