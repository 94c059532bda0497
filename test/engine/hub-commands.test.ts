import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfabError } from '../../src/domain/errors.ts';
import { messageText } from '../../src/events/apply-event.ts';
import type { ScriptItem } from '../support/scripted-source.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { ScriptedSource, textStep } from '../support/scripted-source.ts';

const heldText = (text: string): ScriptItem[] => {
  const step = textStep([text, '!']);
  step.splice(2, 0, { type: 'hold' });
  return step;
};
const runEnds = (collector: EventCollector) => collector.events.filter(isRunEnd);
const waitForRunEnds = async (collector: EventCollector, count: number) => {
  for (let attempt = 0; attempt < 200 && runEnds(collector).length < count; attempt++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(runEnds(collector).length, count, `expected ${count} run ends, saw: ${collector.types().join(', ')}`);
};
const rejectsWith = (code: string) => (error: unknown) => ConfabError.is(error) && error.code === code;

describe('busy policies', () => {
  it('enqueue (the default) runs queued messages in order after the active run', async () => {
    const source = new ScriptedSource().enqueue(heldText('first'), textStep(['second']), textStep(['third']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const holding = source.waitForHold();
      await hub.send(conversation.id, { content: 'one' });
      await holding;
      const second = await hub.send(conversation.id, { content: 'two' });
      const third = await hub.send(conversation.id, { content: 'three' });
      assert.equal(second.run.status, 'queued');
      assert.deepEqual(hub.sessions()[0].queuedRunIds, [second.run.id, third.run.id]);
      source.release();
      await waitForRunEnds(events, 3);
      const { state } = await hub.getConversation(conversation.id);
      assert.deepEqual(state.messages.map((message) => `${message.role}:${messageText(message)}`), [
        'user:one',
        'assistant:first!',
        'user:two',
        'assistant:second',
        'user:three',
        'assistant:third',
      ]);
      assert.deepEqual(source.requests[1].messages.map((message) => message.role), ['user', 'assistant', 'user']);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('reject refuses a message while a run is active and changes nothing', async () => {
    const source = new ScriptedSource().enqueue(heldText('busy'));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const holding = source.waitForHold();
      await hub.send(conversation.id, { content: 'one' });
      await holding;
      const before = await hub.getConversation(conversation.id);
      await assert.rejects(hub.send(conversation.id, { content: 'two', onBusy: 'reject' }), rejectsWith('conversation_busy'));
      const afterReject = await hub.getConversation(conversation.id);
      assert.equal(afterReject.cursor, before.cursor, 'no event was emitted');
      source.release();
    } finally {
      await fixture.cleanup();
    }
  });

  it('interrupt stops the active run and starts the new one', async () => {
    const source = new ScriptedSource().enqueue(heldText('slow'), textStep(['fresh']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const holding = source.waitForHold();
      const first = await hub.send(conversation.id, { content: 'one' });
      await holding;
      const second = await hub.send(conversation.id, { content: 'two', onBusy: 'interrupt' });
      await waitForRunEnds(events, 2);
      assert.deepEqual(runEnds(events).map((event) => [event.type, event.runId]), [
        ['run-stopped', first.run.id],
        ['run-completed', second.run.id],
      ]);
      const { state } = await hub.getConversation(conversation.id);
      assert.deepEqual(state.messages.map((message) => [message.role, message.status, messageText(message)]), [
        ['user', 'completed', 'one'],
        ['assistant', 'stopped', 'slow'],
        ['user', 'completed', 'two'],
        ['assistant', 'completed', 'fresh'],
      ]);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('bounds the queue per conversation', async () => {
    const source = new ScriptedSource().enqueue(heldText('busy'));
    const fixture = await makeHub(source, { limits: { maxQueuedRuns: 2 } });
    try {
      const { hub, conversation } = fixture;
      const holding = source.waitForHold();
      await hub.send(conversation.id, { content: 'one' });
      await holding;
      await hub.send(conversation.id, { content: 'two' });
      await hub.send(conversation.id, { content: 'three' });
      await assert.rejects(hub.send(conversation.id, { content: 'four' }), rejectsWith('conversation_busy'));
      await hub.stop(conversation.id, { runId: hub.sessions()[0].queuedRunIds[0] });
      await hub.stop(conversation.id, { runId: hub.sessions()[0].queuedRunIds[0] });
      await hub.stop(conversation.id);
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('idempotent sends', () => {
  it('a repeated clientRequestId returns the same message and run and starts nothing new', async () => {
    const source = new ScriptedSource().enqueue(textStep(['once']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const [a, b] = await Promise.all([
        hub.send(conversation.id, { content: 'hi', clientRequestId: 'req-1' }),
        hub.send(conversation.id, { content: 'hi', clientRequestId: 'req-1' }),
      ]);
      await events.waitFor(isRunEnd);
      const c = await hub.send(conversation.id, { content: 'hi', clientRequestId: 'req-1' });
      assert.equal(a.run.id, b.run.id);
      assert.equal(a.run.id, c.run.id);
      assert.equal(a.message.id, c.message.id);
      assert.equal(c.run.status, 'completed');
      assert.equal(events.events.filter((event) => event.type === 'run-queued').length, 1);
      assert.equal(source.requests.length, 1);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('stop and continue', () => {
  it('stop mid-stream keeps the partial message with status stopped; stopping an idle conversation is a no-op', async () => {
    const source = new ScriptedSource().enqueue(heldText('partial answer'));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation, store } = fixture;
      assert.deepEqual(await hub.stop(conversation.id), { run: null });
      const holding = source.waitForHold();
      const { run } = await hub.send(conversation.id, { content: 'go' });
      await holding;
      const stopped = await hub.stop(conversation.id);
      assert.equal(stopped.run?.id, run.id);
      assert.equal(stopped.run?.status, 'stopped');
      assert.equal(stopped.run?.finishReason, 'stopped');
      assert.equal(stopped.run?.usage.estimated, true, 'no usage was reported, so it is estimated');
      const [, assistant] = await store.listMessages(conversation.id);
      assert.equal(assistant.status, 'stopped');
      assert.equal(messageText(assistant), 'partial answer');
      assert.equal((await store.getRun(run.id))?.status, 'stopped');
      assert.deepEqual(await hub.stop(conversation.id), { run: null });
    } finally {
      await fixture.cleanup();
    }
  });

  it('continue needs something to continue', async () => {
    const source = new ScriptedSource().enqueue(textStep(['done']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      await assert.rejects(hub.continue(conversation.id), rejectsWith('nothing_to_continue'));
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'go' });
      await events.waitFor(isRunEnd);
      await assert.rejects(hub.continue(conversation.id), rejectsWith('nothing_to_continue'));
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('tools', () => {
  const callRead = (id: string): ScriptItem[] => [
    { type: 'tool-call', toolCallId: id, toolName: 'read_file', input: { path: 'notes.txt', startLine: 2, endLine: 2 } },
    { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 5, outputTokens: 5 } },
  ];

  it('runs a two-step tool loop with a real project tool', async () => {
    const source = new ScriptedSource().enqueue(callRead('call-1'), textStep(['The line is beta.']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'What is on line 2 of notes.txt?' });
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-completed');
      const statuses = events.events.flatMap((event) => (event.type === 'tool-call' ? [event.data.part.state.status] : []));
      assert.deepEqual(statuses, ['pending', 'running', 'completed']);
      const toolMessage = source.requests[1].messages.at(-1)!;
      assert.equal(toolMessage.role, 'tool');
      if (toolMessage.role === 'tool') {
        assert.equal(toolMessage.results[0].toolCallId, 'call-1');
        assert.equal(toolMessage.results[0].isError, false);
        assert.match(JSON.stringify(toolMessage.results[0].output), /beta/);
      }
      if (end.type === 'run-completed') {
        assert.equal(end.data.run.steps, 2);
        assert.deepEqual(end.data.run.usage, { inputTokens: 15, outputTokens: 6 });
      }
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('ends cleanly at the step cap with finish reason tool-limit', async () => {
    const source = new ScriptedSource().enqueue(callRead('c1'), callRead('c2'), callRead('c3'));
    const fixture = await makeHub(source, { limits: { maxSteps: 3 } });
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'loop forever' });
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-completed');
      if (end.type === 'run-completed') assert.equal(end.data.run.finishReason, 'tool-limit');
      assert.equal(source.requests.length, 3);
      const { state } = await hub.getConversation(conversation.id);
      const lastCall = state.messages[1].parts.filter((part) => part.kind === 'tool-call').at(-1);
      assert.ok(lastCall?.kind === 'tool-call' && lastCall.state.status === 'error');
      assert.equal(lastCall.state.error, 'Not run: the run reached its limit of 3 steps.');
      assert.equal(lastCall.state.startedAt, undefined, 'it never started');
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('returns tool errors to the model as error results', async () => {
    const source = new ScriptedSource().enqueue(
      [{ type: 'tool-call', toolCallId: 'bad', toolName: 'read_file', input: { path: '../outside' } }, { type: 'finish', finishReason: 'tool-calls', usage: undefined }],
      textStep(['sorry']),
    );
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'read outside' });
      await events.waitFor(isRunEnd);
      const settled = events.events.findLast((event) => event.type === 'tool-call');
      assert.equal(settled?.type === 'tool-call' && settled.data.part.state.status, 'error');
      const toolMessage = source.requests[1].messages.at(-1)!;
      assert.equal(toolMessage.role === 'tool' && toolMessage.results[0].isError, true);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('conversation lifecycle', () => {
  it('refuses an unknown model before a run starts', async () => {
    const fixture = await makeHub(new ScriptedSource());
    try {
      const { hub, conversation } = fixture;
      await assert.rejects(hub.updateConversation(conversation.id, { model: 'nope/model' }), rejectsWith('unknown_model'));
      await assert.rejects(hub.createConversation({ projectName: 'demo', model: 'nope/x' }), rejectsWith('unknown_model'));
      const empty = await hub.createConversation({ projectName: 'demo' });
      await assert.rejects(hub.send(empty.id, { content: 'hi' }), rejectsWith('unknown_model'));
      assert.equal((await hub.getConversation(empty.id)).state.runs.length, 0);
    } finally {
      await fixture.cleanup();
    }
  });

  it('validates input with clear errors', async () => {
    const fixture = await makeHub(new ScriptedSource(), { limits: { maxMessageChars: 10 } });
    try {
      const { hub, conversation } = fixture;
      await assert.rejects(hub.send(conversation.id, { content: '' }), rejectsWith('bad_request'));
      await assert.rejects(hub.send(conversation.id, { content: 'x'.repeat(11) }), rejectsWith('payload_too_large'));
      await assert.rejects(hub.send('conv_missing', { content: 'hi' }), rejectsWith('not_found'));
      await assert.rejects(hub.createProject({ name: 'bad name!', path: '.' }), rejectsWith('bad_request'));
      await assert.rejects(hub.createProject({ name: 'ok', path: '/definitely/not/here' }), rejectsWith('bad_request'));
    } finally {
      await fixture.cleanup();
    }
  });

  it('deleting a conversation mid-run stops it, ends subscriptions and removes it for good', async () => {
    const source = new ScriptedSource().enqueue(heldText('doomed'));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation, store } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const holding = source.waitForHold();
      await hub.send(conversation.id, { content: 'go' });
      await holding;
      await hub.deleteConversation(conversation.id);
      await events.waitFor((event) => event.type === 'conversation-deleted');
      assert.equal(events.subscription.closed, true);
      assert.equal(await store.getConversation(conversation.id), undefined);
      assert.deepEqual(await store.listMessages(conversation.id), []);
      await assert.rejects(hub.getConversation(conversation.id), rejectsWith('not_found'));
      await assert.rejects(hub.deleteConversation(conversation.id), rejectsWith('not_found'));
    } finally {
      await fixture.cleanup();
    }
  });

  it('releases idle conversations from memory and reloads them on demand', async () => {
    const source = new ScriptedSource().enqueue(textStep(['kept']));
    const fixture = await makeHub(source, { limits: { idleReleaseMs: 20 } });
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'go' });
      await events.waitFor(isRunEnd);
      const before = (await hub.getConversation(conversation.id)).state;
      events.close();
      for (let attempt = 0; attempt < 100 && hub.sessions().length > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(hub.sessions().length, 0);
      const after = (await hub.getConversation(conversation.id)).state;
      assert.deepEqual(after, before);
    } finally {
      await fixture.cleanup();
    }
  });
});
