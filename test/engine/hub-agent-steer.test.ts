/**
 * `onBusy: "steer"`: a message sent while a coding agent's turn runs is stored and announced as a
 * queued `steer` run before the send is answered, offered to the running turn, and, once the agent
 * took it, placed in the conversation where the agent took it (the reply so far, the message, the
 * rest of the turn in a new reply). Not taken (refused, or the turn ended first): the next run
 * answers it. Refused outright where no running turn can take it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfabError } from '../../src/domain/errors.ts';
import type { Message } from '../../src/domain/schemas.ts';
import { messageText } from '../../src/events/apply-event.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import type { ModelResolver } from '../../src/engine/run/run-context.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { ScriptedAgent, type AgentScriptItem } from '../support/scripted-agent.ts';
import { ScriptedSource, textStep } from '../support/scripted-source.ts';

/** `agent/*` is the scripted agent, `test/*` a plain model. */
const models = (agent: ScriptedAgent, model = new ScriptedSource()): ModelResolver => ({
  resolve(modelId) {
    if (modelId.startsWith('agent/')) return { source: agent, pricing: undefined };
    if (modelId.startsWith('test/')) return { source: model, pricing: undefined };
    throw new ConfabError('unknown_model', `Unknown model ${modelId}`);
  },
});

const text = (id: string, words: string): AgentScriptItem[] => [
  { type: 'text-start', id },
  { type: 'text-delta', id, delta: words },
  { type: 'text-end', id },
];
const finish: AgentScriptItem = { type: 'finish', finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 4 } };
/** A turn that says something, can be steered, and waits for a steered message before it goes on. */
const steeredTurn: AgentScriptItem[] = [{ type: 'agent-session', sessionId: 's1' }, ...text('a', 'Working on it.'), { type: 'steerable' }, { type: 'take-steered' }, ...text('b', 'Done, with the steer.'), finish];
/** A turn that can be steered but ends when released, whatever was steered in. */
const heldTurn: AgentScriptItem[] = [{ type: 'agent-session', sessionId: 's1' }, ...text('a', 'Busy.'), { type: 'steerable' }, { type: 'hold' }, finish];
const plainTurn = (words: string): AgentScriptItem[] => [{ type: 'agent-session', sessionId: 's1' }, ...text('t', words), finish];

const shape = (messages: Message[]) => messages.map((message) => [message.role, message.status, messageText(message)]);
const typesOf = (events: ConfabEvent[], types: string[]) => events.filter((event) => types.includes(event.type)).map((event) => `${event.type}${event.type === 'message-created' ? `:${event.data.message.role}` : ''}`);

describe('steering a message into a running agent turn', () => {
  it('is stored before it is answered, taken into the turn, and placed between the reply so far and the rest of it', async () => {
    const agent = new ScriptedAgent({ steering: true }).enqueue(steeredTurn);
    const fixture = await makeHub(models(agent), { model: 'agent/x' });
    try {
      const { hub, conversation, store } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const first = await hub.send(conversation.id, { content: 'Fix the bug' });
      await events.waitFor((event) => event.type === 'part-delta' && event.data.delta === 'Working on it.');
      const steer = await hub.send(conversation.id, { content: 'Also add a test', onBusy: 'steer' });
      assert.equal(steer.run.trigger, 'steer');
      assert.equal(steer.run.status, 'queued');
      assert.equal((await store.getRun(steer.run.id))?.input?.id, steer.message.id, 'stored with its message before the send was answered');

      const end = await events.waitFor((event) => isRunEnd(event) && event.runId === first.run.id);
      assert.equal(end.type, 'run-completed');
      assert.deepEqual(agent.steered, [{ messageId: steer.message.id, prompt: 'Also add a test' }]);
      assert.equal(agent.requests.length, 1, 'the steered message got no turn of its own');

      const state = (await hub.getConversation(conversation.id)).state;
      assert.deepEqual(shape(state.messages), [
        ['user', 'completed', 'Fix the bug'],
        ['assistant', 'completed', 'Working on it.'],
        ['user', 'completed', 'Also add a test'],
        ['assistant', 'completed', 'Done, with the steer.'],
      ]);
      const [user, before, steered, after] = state.messages;
      assert.deepEqual([before!.parentId, steered!.parentId, after!.parentId], [user!.id, before!.id, steered!.id], 'one line: each follows the one before');
      assert.deepEqual([steered!.id, steered!.runId, after!.runId], [steer.message.id, steer.run.id, first.run.id]);
      assert.deepEqual(after!.usage, { inputTokens: 10, outputTokens: 4, agentReported: true }, 'the turn\'s usage goes with its last message');
      const ended = end.type === 'run-completed' ? end.data.run : undefined;
      assert.equal(ended?.assistantMessageId, after!.id);

      const steeredEvent = events.events.find((event) => event.type === 'run-steered');
      assert.ok(steeredEvent?.type === 'run-steered');
      assert.equal(steeredEvent.runId, steer.run.id);
      assert.equal(steeredEvent.data.intoRunId, first.run.id);
      assert.deepEqual([steeredEvent.data.run.status, steeredEvent.data.run.finishReason, steeredEvent.data.run.assistantMessageId], ['completed', 'steered', after!.id]);
      const split = events.events.slice(events.events.findIndex((event) => event.type === 'part-end'));
      assert.deepEqual(typesOf(split, ['part-end', 'message-completed', 'message-created', 'run-steered', 'run-updated', 'part-start']).slice(0, 7), [
        'part-end',
        'message-completed',
        'message-created:user',
        'message-created:assistant',
        'run-steered',
        'run-updated',
        'part-start',
      ]);
      const stored = await store.getRun(steer.run.id);
      assert.deepEqual([stored?.status, stored?.finishReason], ['completed', 'steered']);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  for (const refused of [true, false]) {
    it(`a message the agent ${refused ? 'refused' : 'accepted but had not taken when its turn ended'} is answered by the next run, in order`, async () => {
      const agent = new ScriptedAgent({ steering: true }).enqueue(heldTurn, plainTurn('Answered next.'));
      agent.refuseSteers = refused;
      const fixture = await makeHub(models(agent), { model: 'agent/x' });
      try {
        const { hub, conversation } = fixture;
        const events = new EventCollector(await hub.subscribe(conversation.id));
        const holding = agent.waitForHold();
        await hub.send(conversation.id, { content: 'Start' });
        await holding;
        const steer = await hub.send(conversation.id, { content: 'Late words', onBusy: 'steer' });
        await agent.waitForOffer();
        assert.equal(agent.steered.length, refused ? 0 : 1);
        agent.release();
        const end = await events.waitFor((event) => isRunEnd(event) && event.runId === steer.run.id);
        assert.equal(end.type, 'run-completed');
        assert.equal(agent.requests[1]!.prompt, 'Late words', 'not lost: its own run sent it');
        assert.equal(agent.requests[1]!.resumeSessionId, 's1');
        assert.ok(!events.types().includes('run-steered'));
        const state = (await hub.getConversation(conversation.id)).state;
        assert.deepEqual(shape(state.messages), [
          ['user', 'completed', 'Start'],
          ['assistant', 'completed', 'Busy.'],
          ['user', 'completed', 'Late words'],
          ['assistant', 'completed', 'Answered next.'],
        ]);
        events.close();
      } finally {
        await fixture.cleanup();
      }
    });
  }

  it('takes several messages in order, each into its own place', async () => {
    const agent = new ScriptedAgent({ steering: true }).enqueue([
      { type: 'agent-session', sessionId: 's1' },
      { type: 'steerable' },
      ...text('a', 'One.'),
      { type: 'take-steered' },
      ...text('b', 'Two.'),
      { type: 'take-steered' },
      ...text('c', 'Three.'),
      finish,
    ]);
    const fixture = await makeHub(models(agent), { model: 'agent/x' });
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const first = await hub.send(conversation.id, { content: 'Go' });
      await events.waitFor((event) => event.type === 'part-delta' && event.data.delta === 'One.');
      await hub.send(conversation.id, { content: 'first steer', onBusy: 'steer' });
      await hub.send(conversation.id, { content: 'second steer', onBusy: 'steer' });
      await events.waitFor((event) => isRunEnd(event) && event.runId === first.run.id);
      const state = (await hub.getConversation(conversation.id)).state;
      assert.deepEqual(state.messages.map(messageText), ['Go', 'One.', 'first steer', 'Two.', 'second steer', 'Three.']);
      assert.equal(events.types().filter((type) => type === 'run-steered').length, 2);
      assert.deepEqual(state.runs.map((run) => run.status), ['completed'], 'nothing left queued');
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses an explicit steer into a run that cannot take it; a conversation default of steer waits instead', async () => {
    const agent = new ScriptedAgent({ steering: false }).enqueue(heldTurn, plainTurn('Second.'));
    const fixture = await makeHub(models(agent), { model: 'agent/x' });
    try {
      const { hub, conversation } = fixture;
      const holding = agent.waitForHold();
      const idle = await hub.send(conversation.id, { content: 'Hi', onBusy: 'steer' });
      assert.equal(idle.run.trigger, 'send', 'idle: a steer is a plain send');
      await holding;
      await assert.rejects(hub.send(conversation.id, { content: 'Mid-turn', onBusy: 'steer' }), (error: unknown) => ConfabError.is(error, 'steer_unsupported') && /does not support adding input to a running turn/.test(error.message));
      await hub.updateConversation(conversation.id, { busyPolicy: 'steer' });
      const waits = await hub.send(conversation.id, { content: 'Then this' });
      assert.equal(waits.run.trigger, 'send', 'the default falls back to waiting behind the run');
      agent.release();
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await events.waitFor((event) => isRunEnd(event) && event.runId === waits.run.id);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses an explicit steer while a plain model answers', async () => {
    const model = new ScriptedSource().enqueue([...textStep(['a']).slice(0, 2), { type: 'hold' }, ...textStep(['a']).slice(2)]);
    const fixture = await makeHub(models(new ScriptedAgent({ steering: true }), model), { model: 'test/x' });
    try {
      const { hub, conversation } = fixture;
      const holding = model.waitForHold();
      await hub.send(conversation.id, { content: 'Hi' });
      await holding;
      await assert.rejects(hub.send(conversation.id, { content: 'More', onBusy: 'steer' }), (error: unknown) => ConfabError.is(error, 'steer_unsupported') && /not a coding agent/.test(error.message));
      model.release();
    } finally {
      await fixture.cleanup();
    }
  });
});
