import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { messageText } from '../../src/events/apply-event.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { UpstreamError } from '../../src/providers/upstream-error.ts';
import { InstantClock } from '../../src/util/clock.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { ScriptedSource, textStep } from '../support/scripted-source.ts';

const deltasOf = (events: ConfabEvent[]) => events.flatMap((event) => (event.type === 'part-delta' ? [event.data.delta] : []));

describe('a run streams into the conversation as ordered events', () => {
  it('emits the lifecycle in order and stores exactly the streamed text', async () => {
    const source = new ScriptedSource().enqueue(textStep(['Hel', 'lo', ' world']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation, store } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const { message, run } = await hub.send(conversation.id, { content: 'Say hello\nplease' });
      await events.waitFor(isRunEnd);
      await events.waitFor((event) => event.type === 'conversation-updated' && event.runId === run.id);
      assert.deepEqual(events.types(), [
        'snapshot',
        'conversation-updated',
        'run-queued',
        'message-created',
        'message-created',
        'run-started',
        'part-start',
        'part-delta',
        'part-delta',
        'part-delta',
        'part-end',
        'message-completed',
        'run-completed',
        'conversation-updated',
      ]);
      const seqs = events.events.slice(1).map((event) => event.seq);
      assert.deepEqual(seqs, seqs.map((_, index) => seqs[0] + index), 'seq increases by one per event');
      assert.equal(deltasOf(events.events).join(''), 'Hello world');

      const stored = await store.listMessages(conversation.id);
      assert.deepEqual(stored.map((stored) => [stored.role, stored.status, messageText(stored)]), [
        ['user', 'completed', 'Say hello\nplease'],
        ['assistant', 'completed', 'Hello world'],
      ]);
      assert.equal(stored[0].id, message.id);
      const storedRun = await store.getRun(run.id);
      assert.equal(storedRun?.status, 'completed');
      assert.equal(storedRun?.finishReason, 'stop');
      assert.deepEqual(storedRun?.usage, { inputTokens: 10, outputTokens: 3 });
      assert.deepEqual(storedRun?.cost, { amount: 0.000016, currency: 'USD', estimated: false });
      const storedConversation = await store.getConversation(conversation.id);
      assert.equal(storedConversation?.title, 'Say hello');
      assert.deepEqual(storedConversation?.usage, { inputTokens: 10, outputTokens: 3 });
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('sends the system prompt and the history to the model', async () => {
    const source = new ScriptedSource().enqueue(textStep(['one']), textStep(['two']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      await hub.updateConversation(conversation.id, { systemPrompt: 'Be brief.' });
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'first' });
      await events.waitFor(isRunEnd);
      await hub.send(conversation.id, { content: 'second', context: [{ path: 'notes.txt', range: { start: 2, end: 2 } }] });
      await events.waitFor((event) => isRunEnd(event) && event.seq > events.events.find(isRunEnd)!.seq);
      assert.equal(source.requests[1].system, 'Be brief.');
      const prompt = source.requests[1].messages;
      assert.equal(prompt.length, 3);
      assert.deepEqual(prompt[0], { role: 'user', text: 'first' });
      assert.deepEqual(prompt[1], { role: 'assistant', content: [{ type: 'text', text: 'one' }] });
      assert.equal(prompt[2].role, 'user');
      assert.match((prompt[2] as { text: string }).text, /notes\.txt[\s\S]*beta[\s\S]*second$/);
      assert.doesNotMatch((prompt[2] as { text: string }).text, /alpha|gamma/);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('writes the store in batches, not once per token', async () => {
    const deltas = Array.from({ length: 500 }, (_, index) => `t${index} `);
    const source = new ScriptedSource().enqueue(textStep(deltas));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation, store } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const before = hub.checkpointCommits;
      await hub.send(conversation.id, { content: 'long' });
      await events.waitFor(isRunEnd);
      const commits = hub.checkpointCommits - before;
      assert.ok(commits >= 1 && commits <= 5, `expected a handful of commits for 500 tokens, got ${commits}`);
      const [, assistant] = await store.listMessages(conversation.id);
      assert.equal(messageText(assistant), deltas.join(''));
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('retries', () => {
  it('discards the failed attempt, announces the retry, and keeps the text exactly once', async () => {
    const source = new ScriptedSource().enqueue(
      [
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'Hel' },
        { type: 'throw', error: new UpstreamError({ code: 'network', message: 'connection reset', retryable: true }) },
      ],
      textStep(['Hel', 'lo']),
    );
    const clock = new InstantClock();
    const fixture = await makeHub(source, { clock, random: () => 0.5 });
    try {
      const { hub, conversation, store } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'hi' });
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-completed');
      const discarded = events.events.filter((event) => event.type === 'part-discarded');
      assert.equal(discarded.length, 1);
      const retrying = events.events.find((event) => event.type === 'run-retrying');
      assert.deepEqual(retrying?.data, { attempt: 2, maxAttempts: 4, delayMs: 1000, error: { code: 'network', message: 'connection reset' } });
      const [, assistant] = await store.listMessages(conversation.id);
      assert.equal(messageText(assistant), 'Hello');
      assert.equal(assistant.parts.length, 1);
      if (end.type === 'run-completed') assert.equal(end.data.run.attempts, 2);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('fails with a clear error when the error is not retryable, keeping what streamed', async () => {
    const source = new ScriptedSource().enqueue([
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'partial' },
      { type: 'throw', error: new UpstreamError({ code: 'auth', message: 'invalid API key', retryable: false, status: 401 }) },
    ]);
    const fixture = await makeHub(source);
    try {
      const { hub, conversation, store } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      const { run } = await hub.send(conversation.id, { content: 'hi' });
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-failed');
      const storedRun = await store.getRun(run.id);
      assert.deepEqual(storedRun?.error, { code: 'upstream_error', message: 'Authentication failed: invalid API key' });
      const [, assistant] = await store.listMessages(conversation.id);
      assert.equal(assistant.status, 'failed');
      assert.equal(messageText(assistant), 'partial');
      assert.deepEqual(assistant.parts.at(-1), { id: assistant.parts.at(-1)!.id, kind: 'error', code: 'upstream_error', message: 'Authentication failed: invalid API key' });
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a subscriber joining during the retry wait sees it in the snapshot; stop ends the wait', async () => {
    const rateLimited = new UpstreamError({ code: 'rate_limit', message: 'slow down', retryable: true, retryAfterMs: 50_000 });
    const source = new ScriptedSource().enqueue([{ type: 'throw', error: rateLimited }]);
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const first = new EventCollector(await hub.subscribe(conversation.id));
      const { run } = await hub.send(conversation.id, { content: 'hi' });
      await first.waitFor((event) => event.type === 'run-retrying');
      const late = new EventCollector(await hub.subscribe(conversation.id));
      const [snapshot] = late.events;
      assert.equal(snapshot.type, 'snapshot');
      if (snapshot.type === 'snapshot') {
        assert.deepEqual(snapshot.data.state.retry && { ...snapshot.data.state.retry, at: 0 }, {
          runId: run.id,
          attempt: 2,
          maxAttempts: 4,
          delayMs: 50_000,
          error: { code: 'rate_limit', message: 'slow down' },
          at: 0,
        });
      }
      const { run: stopped } = await hub.stop(conversation.id);
      assert.equal(stopped?.status, 'stopped', 'stop reaches a run waiting to retry');
      assert.equal((await hub.getConversation(conversation.id)).state.retry, null);
      first.close();
      late.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('gives up after the last attempt', async () => {
    const failure = () => [{ type: 'throw' as const, error: new UpstreamError({ code: 'server', message: '502', retryable: true }) }];
    const source = new ScriptedSource().enqueue(failure(), failure(), failure(), failure());
    const fixture = await makeHub(source, { clock: new InstantClock(), random: () => 0.5 });
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'hi' });
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-failed');
      const delays = events.events.flatMap((event) => (event.type === 'run-retrying' ? [event.data.delayMs] : []));
      assert.deepEqual(delays, [1000, 2000, 4000]);
      if (end.type === 'run-failed') assert.equal(end.data.run.attempts, 4);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });
});
