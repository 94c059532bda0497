import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SessionHub } from '../../src/engine/session-hub.ts';
import { messageText } from '../../src/events/apply-event.ts';
import { UpstreamError } from '../../src/providers/upstream-error.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { ModelResolver } from '../../src/engine/run/run-context.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { agentTextTurn, ScriptedAgent } from '../support/scripted-agent.ts';
import { ConfabError } from '../../src/domain/errors.ts';

const agentModels = (agent: ScriptedAgent): ModelResolver => ({
  resolve(modelId) {
    if (!modelId.startsWith('agent/')) throw new ConfabError('unknown_model', `Unknown model ${modelId}`);
    return { source: agent, pricing: { inputPerMillion: 1, outputPerMillion: 2 } };
  },
});

const transient = () => new UpstreamError({ code: 'server', message: 'The agent process died.', retryable: true });

async function turn(hub: SessionHub, conversationId: string, content: string, context?: { path: string }[]) {
  const events = new EventCollector(await hub.subscribe(conversationId));
  const { run } = await hub.send(conversationId, { content, context });
  const end = await events.waitFor((event) => isRunEnd(event) && event.runId === run.id);
  events.close();
  return { end, events: events.events.filter((event) => event.runId === run.id) };
}

describe('agent sessions as a source', () => {
  it('runs a turn in the project directory with the model and prompt, and passes its session id back next turn', async () => {
    const agent = new ScriptedAgent().enqueue(agentTextTurn('sess-1', 'First answer.'), agentTextTurn('sess-1', 'Second answer.'));
    const fixture = await makeHub(agentModels(agent), { model: 'agent/sonnet' });
    try {
      const { hub, conversation, project } = fixture;
      const first = await turn(hub, conversation.id, 'Read the README', [{ path: 'README.md' }]);
      assert.equal(first.end.type, 'run-completed');
      assert.equal(agent.requests[0]!.cwd, project.path);
      assert.equal(agent.requests[0]!.model, 'sonnet');
      assert.match(agent.requests[0]!.prompt, /# Demo[\s\S]*Read the README/);
      assert.equal(agent.requests[0]!.resumeSessionId, null);
      const run = first.end.type === 'run-completed' ? first.end.data.run : undefined;
      assert.equal(run?.agentSessionId, 'sess-1');
      assert.deepEqual(run?.usage, { inputTokens: 100, outputTokens: 20, agentReported: true });
      assert.deepEqual(run?.cost, { amount: 0.0123, currency: 'USD', estimated: false, agentReported: true }, 'the cost the agent reported, not our pricing');

      await turn(hub, conversation.id, 'And now?');
      assert.equal(agent.requests[1]!.resumeSessionId, 'sess-1', 'the next turn continues the same agent session');
      const state = (await hub.getConversation(conversation.id)).state;
      assert.deepEqual(state.conversation.cost, { amount: 0.0246, currency: 'USD', estimated: false, agentReported: true });
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses regenerate and a send from an earlier message: an agent keeps one linear session', async () => {
    const agent = new ScriptedAgent().enqueue(agentTextTurn('sess-2', 'Only answer.'));
    const fixture = await makeHub(agentModels(agent), { model: 'agent/sonnet' });
    try {
      const { hub, conversation } = fixture;
      await turn(hub, conversation.id, 'Hello');
      const before = await hub.getConversation(conversation.id);
      const reply = before.state.messages[1];
      const refused = (error: unknown) => ConfabError.is(error, 'bad_request') && /coding agent/.test(error.message);
      await assert.rejects(hub.regenerate(conversation.id, { messageId: reply.id }), refused);
      await assert.rejects(hub.send(conversation.id, { content: 'Hi again', parentId: null }), refused);
      assert.equal((await hub.getConversation(conversation.id)).cursor, before.cursor, 'nothing was emitted');
      assert.equal(agent.requests.length, 1);
    } finally {
      await fixture.cleanup();
    }
  });

  it('resumes the agent session after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'confab-agent-'));
    const agent = new ScriptedAgent().enqueue(agentTextTurn('sess-9', 'Before.'), agentTextTurn('sess-9', 'After.'));
    try {
      const first = await makeHub(agentModels(agent), { model: 'agent/default', store: new SqliteStore({ path: join(dir, 'confab.db') }) });
      await turn(first.hub, first.conversation.id, 'one');
      assert.equal(agent.requests[0]!.model, '', "'default' is the agent's own default model");
      await first.hub.close();
      await first.store.close();
      const store = new SqliteStore({ path: join(dir, 'confab.db') });
      await store.init();
      const hub = new SessionHub({ store, models: agentModels(agent) });
      await hub.start();
      await turn(hub, first.conversation.id, 'two');
      assert.equal(agent.requests[1]!.resumeSessionId, 'sess-9');
      await hub.close();
      await store.close();
      await first.project.cleanup();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows the tool calls the agent ran and its plan, updated in place', async () => {
    const agent = new ScriptedAgent().enqueue([
      { type: 'agent-session', sessionId: 's' },
      { type: 'plan', entries: [{ content: 'Read the file', status: 'in_progress' }, { content: 'Summarize', status: 'pending' }] },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'Read', input: { path: 'README.md' }, providerExecuted: true },
      { type: 'tool-result', toolCallId: 'c1', toolName: 'Read', output: '# Demo', isError: false },
      { type: 'plan', entries: [{ content: 'Read the file', status: 'completed' }, { content: 'Summarize', status: 'completed' }] },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'It is a demo.' },
      { type: 'text-end', id: 't' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 5 } },
    ]);
    const fixture = await makeHub(agentModels(agent), { model: 'agent/x' });
    try {
      const { hub, conversation } = fixture;
      const { end } = await turn(hub, conversation.id, 'What is this?');
      assert.equal(end.type, 'run-completed');
      const message = (await hub.getConversation(conversation.id)).state.messages.at(-1)!;
      const plans = message.parts.filter((part) => part.kind === 'plan');
      assert.equal(plans.length, 1, 'one plan part, replaced by each update');
      assert.deepEqual(plans[0]!.kind === 'plan' && plans[0]!.entries.map((entry) => entry.status), ['completed', 'completed']);
      const call = message.parts.find((part) => part.kind === 'tool-call');
      assert.equal(call?.kind === 'tool-call' && call.providerExecuted, true);
      assert.equal(call?.kind === 'tool-call' && call.state.status, 'completed');
      assert.equal(call?.kind === 'tool-call' && call.state.status === 'completed' && call.state.output, '# Demo');
      assert.equal(messageText(message), 'It is a demo.');
      const run = end.type === 'run-completed' ? end.data.run : undefined;
      assert.equal(run?.cost?.agentReported, undefined, 'no cost reported: priced from the usage as usual');
    } finally {
      await fixture.cleanup();
    }
  });

  it('retries a turn that failed before running any tool', async () => {
    const agent = new ScriptedAgent().enqueue([{ type: 'throw', error: transient() }], agentTextTurn('s', 'Recovered.'));
    const fixture = await makeHub(agentModels(agent), { model: 'agent/x', retry: { initialDelayMs: 1, maxDelayMs: 1 } });
    try {
      const { end, events } = await turn(fixture.hub, fixture.conversation.id, 'go');
      assert.equal(end.type, 'run-completed');
      assert.equal(events.filter((event) => event.type === 'run-retrying').length, 1);
      assert.equal(agent.requests.length, 2);
    } finally {
      await fixture.cleanup();
    }
  });

  it('never re-runs a turn that already ran tools: the run fails and says why, keeping what the agent did', async () => {
    const agent = new ScriptedAgent().enqueue([
      { type: 'tool-call', toolCallId: 'c1', toolName: 'Bash', input: { command: 'rm build' }, providerExecuted: true },
      { type: 'tool-result', toolCallId: 'c1', toolName: 'Bash', output: '', isError: false },
      { type: 'throw', error: transient() },
    ]);
    const fixture = await makeHub(agentModels(agent), { model: 'agent/x', retry: { initialDelayMs: 1, maxDelayMs: 1 } });
    try {
      const { end, events } = await turn(fixture.hub, fixture.conversation.id, 'clean up');
      assert.equal(end.type, 'run-failed');
      assert.equal(events.filter((event) => event.type === 'run-retrying').length, 0);
      assert.equal(agent.requests.length, 1, 'the agent ran once');
      assert.match(end.type === 'run-failed' ? end.data.run.error!.message : '', /already run tools in this turn, so it was not run again/);
      const message = (await fixture.hub.getConversation(fixture.conversation.id)).state.messages.at(-1)!;
      assert.ok(message.parts.some((part) => part.kind === 'tool-call' && part.toolName === 'Bash'), 'the command it ran stays visible');
    } finally {
      await fixture.cleanup();
    }
  });

  it('stop reaches a running agent turn; the next turn resumes the same session', async () => {
    const agent = new ScriptedAgent().enqueue(
      [{ type: 'agent-session', sessionId: 'live' }, { type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: 'Working' }, { type: 'hold' }],
      agentTextTurn('live', 'Done.'),
    );
    const fixture = await makeHub(agentModels(agent), { model: 'agent/x' });
    try {
      const { hub, conversation } = fixture;
      const holding = agent.waitForHold();
      await hub.send(conversation.id, { content: 'long task' });
      await holding;
      const { run } = await hub.stop(conversation.id);
      assert.equal(run?.status, 'stopped');
      assert.equal(run?.agentSessionId, 'live', 'the session id is kept from a stopped turn');
      await turn(hub, conversation.id, 'go on');
      assert.equal(agent.requests[1]!.resumeSessionId, 'live');
    } finally {
      await fixture.cleanup();
    }
  });
});
