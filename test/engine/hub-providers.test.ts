/**
 * The engine end to end with real step sources, configured through the real model registry,
 * against fake upstream servers speaking the OpenAI and Anthropic wire protocols. The streaming
 * cases run with both clients (Confab's lean reader and the AI SDK provider packages); the rest
 * with the config's default.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { messageText } from '../../src/events/apply-event.ts';
import { createModelRegistry } from '../../src/providers/model-registry.ts';
import { loadProviderConfig } from '../../src/providers/provider-config.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { InstantClock } from '../../src/util/clock.ts';
import { startAnthropicUpstream } from '../peers/anthropic-upstream.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import type { SessionHubOptions } from '../../src/engine/hub-options.ts';

let openai: FakeUpstream;
let anthropic: FakeUpstream;

before(async () => {
  openai = await startOpenAIUpstream();
  anthropic = await startAnthropicUpstream();
});
after(async () => {
  await openai.close();
  await anthropic.close();
});

/** `client`: who reads the providers' streams (the config's default when not given). */
function registry(client?: 'lean' | 'ai-sdk') {
  const config = loadProviderConfig({
    env: {},
    configPath: '/virtual/confab.json',
    readFile: () =>
      JSON.stringify({
        providers: {
          local: { type: 'openai-compatible', baseURL: openai.url, apiKey: 'sk-test', ...(client && { client }), models: { m1: { inputPerMillion: 1, outputPerMillion: 2 } } },
          claude: { type: 'anthropic', baseURL: anthropic.url, apiKey: 'sk-ant-test', ...(client && { client }), models: { sonnet: { inputPerMillion: 3, outputPerMillion: 15 } } },
        },
      }),
  });
  return createModelRegistry(config);
}

async function hubOn(model: string, options: Partial<SessionHubOptions> = {}, client?: 'lean' | 'ai-sdk') {
  const fixture = await makeHub(registry(client), { ...options, model });
  const events = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
  return { ...fixture, events };
}

const deltas = (collector: EventCollector, kind: 'text' | 'reasoning') => {
  const partKinds = new Map<string, string>();
  const out: string[] = [];
  for (const event of collector.events) {
    if (event.type === 'part-start') partKinds.set(event.data.partId, event.data.kind);
    if (event.type === 'part-delta' && partKinds.get(event.data.partId) === kind) out.push(event.data.delta);
  }
  return out;
};

for (const client of ['lean', 'ai-sdk'] as const) for (const target of [
  { name: 'openai-compatible', model: 'local/m1', upstream: () => openai },
  { name: 'anthropic', model: 'claude/sonnet', upstream: () => anthropic },
]) {
  describe(`through ${target.name} (${client} client)`, () => {
    it('streams reasoning and text, token by token, and stores exactly that text', async () => {
      const { hub, conversation, store, events, cleanup } = await hubOn(target.model, {}, client);
      try {
        target.upstream().enqueue({
          kind: 'stream',
          chunks: [{ reasoning: 'Think' }, { reasoning: 'ing.' }, { text: 'Hel' }, { text: 'lo' }, { text: ' world' }],
          usage: { inputTokens: 100, outputTokens: 20 },
        });
        const { run } = await hub.send(conversation.id, { content: 'hi' });
        const end = await events.waitFor(isRunEnd);
        assert.equal(end.type, 'run-completed');
        assert.deepEqual(deltas(events, 'reasoning'), ['Think', 'ing.']);
        assert.deepEqual(deltas(events, 'text'), ['Hel', 'lo', ' world']);
        const [, assistant] = await store.listMessages(conversation.id);
        assert.equal(messageText(assistant), 'Hello world');
        const stored = await store.getRun(run.id);
        assert.equal(stored?.usage.inputTokens, 100);
        assert.equal(stored?.usage.outputTokens, 20);
        assert.equal(stored?.usage.estimated, undefined);
        assert.ok(stored?.cost && stored.cost.amount > 0 && !stored.cost.estimated);
      } finally {
        events.close();
        await cleanup();
      }
    });

    it('runs a two-step tool loop with a project tool and sends the result back in the wire format', async () => {
      const { hub, conversation, events, cleanup } = await hubOn(target.model, {}, client);
      try {
        const upstream = target.upstream();
        const before = upstream.requests.length;
        upstream.enqueue(
          { kind: 'stream', chunks: [{ text: 'Let me look.' }, { toolCall: { id: 'call_1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] },
          { kind: 'stream', chunks: [{ text: 'It lists alpha, beta, gamma.' }] },
        );
        await hub.send(conversation.id, { content: 'What is in notes.txt?' });
        const end = await events.waitFor(isRunEnd);
        assert.equal(end.type, 'run-completed');
        if (end.type === 'run-completed') assert.equal(end.data.run.steps, 2);
        const second = JSON.stringify(upstream.requests[before + 1].body);
        assert.match(second, /call_1/);
        assert.match(second, /alpha\\+nbeta\\+ngamma/);
        const statuses = events.events.flatMap((event) => (event.type === 'tool-call' ? [event.data.part.state.status] : []));
        assert.deepEqual(statuses, ['pending', 'running', 'completed']);
      } finally {
        events.close();
        await cleanup();
      }
    });

    it('stops mid-stream: the provider request is aborted, the partial is stored as stopped', async () => {
      const { hub, conversation, store, events, cleanup } = await hubOn(target.model, {}, client);
      try {
        const upstream = target.upstream();
        const aborted = upstream.abortedCount;
        upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Part' }, { text: 'ial' }, { text: ' never' }], holdAfter: 2 });
        const { run } = await hub.send(conversation.id, { content: 'go' });
        await events.waitFor((event) => event.type === 'part-delta' && event.data.delta === 'ial');
        const { run: stopped } = await hub.stop(conversation.id);
        assert.equal(stopped?.id, run.id);
        assert.equal(stopped?.status, 'stopped');
        await upstream.waitForAborts(aborted + 1);
        const [, assistant] = await store.listMessages(conversation.id);
        assert.equal(assistant.status, 'stopped');
        assert.equal(messageText(assistant), 'Partial');
        assert.equal(stopped?.usage.estimated, true);
        assert.equal(stopped?.cost?.estimated, true);
      } finally {
        events.close();
        await cleanup();
      }
    });
  });
}

describe('retries against a real wire protocol', () => {
  it('waits what Retry-After says on a 429, shows the retry, then streams the full answer', async () => {
    const clock = new InstantClock();
    const { hub, conversation, store, events, cleanup } = await hubOn('local/m1', { clock });
    try {
      openai.enqueue(
        { kind: 'error', status: 429, message: 'Rate limit reached', type: 'rate_limit_exceeded', headers: { 'retry-after': '7' } },
        { kind: 'stream', chunks: [{ text: 'after ' }, { text: 'waiting' }] },
      );
      const startedAt = clock.now();
      await hub.send(conversation.id, { content: 'hi' });
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-completed');
      const retrying = events.events.find((event) => event.type === 'run-retrying');
      assert.equal(retrying?.type, 'run-retrying');
      if (retrying?.type === 'run-retrying') {
        assert.equal(retrying.data.delayMs, 7000);
        assert.equal(retrying.data.attempt, 2);
        assert.equal(retrying.data.error.code, 'rate_limit');
      }
      assert.ok(clock.delays.includes(7000), 'the wait went through the injected clock');
      assert.ok(clock.now() - startedAt >= 7000);
      const [, assistant] = await store.listMessages(conversation.id);
      assert.equal(messageText(assistant), 'after waiting');
    } finally {
      events.close();
      await cleanup();
    }
  });

  it('retries a stream that dies mid-way and keeps the text exactly once', async () => {
    const clock = new InstantClock();
    const { hub, conversation, store, events, cleanup } = await hubOn('claude/sonnet', { clock, random: () => 0.5 });
    try {
      anthropic.enqueue(
        { kind: 'stream', chunks: [{ text: 'The ' }, { text: 'answer ' }, { text: 'is' }], dropAfter: 2 },
        { kind: 'stream', chunks: [{ text: 'The ' }, { text: 'answer ' }, { text: 'is 42.' }] },
      );
      await hub.send(conversation.id, { content: 'question' });
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-completed');
      assert.deepEqual(events.events.filter((event) => event.type === 'part-discarded').length, 1);
      const retrying = events.events.find((event) => event.type === 'run-retrying');
      assert.equal(retrying?.type === 'run-retrying' && retrying.data.error.code, 'network');
      const [, assistant] = await store.listMessages(conversation.id);
      assert.equal(messageText(assistant), 'The answer is 42.');
      let replayed = { ...assistant, parts: [] as typeof assistant.parts };
      const state = { conversation: {} as never, messages: [replayed], runs: [] };
      const { applyEvent } = await import('../../src/events/apply-event.ts');
      for (const event of events.events) if ('messageId' in (event.data as object) && (event.data as { messageId: string }).messageId === assistant.id) applyEvent(state, event);
      assert.equal(messageText(state.messages[0]), 'The answer is 42.', 'the event stream agrees with the store');
    } finally {
      events.close();
      await cleanup();
    }
  });

  it('ends cleanly at the tool cap', async () => {
    const { hub, conversation, events, cleanup } = await hubOn('local/m1', { limits: { maxSteps: 2 } });
    try {
      const call = (id: string) => ({ kind: 'stream' as const, chunks: [{ toolCall: { id, name: 'list_files', arguments: '{}' } }] });
      openai.enqueue(call('c1'), call('c2'));
      await hub.send(conversation.id, { content: 'loop' });
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-completed');
      if (end.type === 'run-completed') {
        assert.equal(end.data.run.finishReason, 'tool-limit');
        assert.equal(end.data.run.steps, 2);
      }
    } finally {
      events.close();
      await cleanup();
    }
  });

  it('fails without retrying on an auth error, with a message safe to show', async () => {
    const { hub, conversation, events, cleanup } = await hubOn('local/m1');
    try {
      const before = openai.requests.length;
      openai.enqueue({ kind: 'error', status: 401, message: 'Incorrect API key provided', type: 'invalid_request_error' });
      await hub.send(conversation.id, { content: 'hi' });
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-failed');
      assert.equal(openai.requests.length, before + 1);
      if (end.type === 'run-failed') {
        assert.equal(end.data.run.error?.code, 'upstream_error');
        assert.match(end.data.run.error!.message, /^Authentication failed: /);
        assert.doesNotMatch(end.data.run.error!.message, /sk-test/);
      }
    } finally {
      events.close();
      await cleanup();
    }
  });
});

describe('Anthropic extended thinking through the engine', () => {
  const thinkingRegistry = () =>
    createModelRegistry(
      loadProviderConfig({
        env: {},
        configPath: '/virtual/confab.json',
        readFile: () =>
          JSON.stringify({
            providers: {
              claude: {
                type: 'anthropic',
                baseURL: anthropic.url,
                apiKey: 'sk-ant-test',
                models: { thinker: { providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } } } } },
              },
            },
          }),
      }),
    );

  it('keeps thinking signatures through a tool loop and a restart, so every request is one the API accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'confab-thinking-'));
    const path = join(dir, 'confab.db');
    try {
      const first = await makeHub(thinkingRegistry(), { model: 'claude/thinker', store: new SqliteStore({ path }) });
      const events = new EventCollector(await first.hub.subscribe(first.conversation.id));
      const before = anthropic.requests.length;
      anthropic.enqueue(
        { kind: 'stream', chunks: [{ reasoning: 'Need the notes.' }, { redactedThinking: 'opaque-7' }, { toolCall: { id: 'toolu_1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] },
        { kind: 'stream', chunks: [{ reasoning: 'Got them.' }, { text: 'It lists alpha.' }] },
      );
      await first.hub.send(first.conversation.id, { content: 'What is in notes.txt?' });
      const end = await events.waitFor(isRunEnd);
      // With thinking on, the API refuses a tool result whose assistant turn lost its thinking blocks.
      assert.equal(end.type, 'run-completed', JSON.stringify(end.data));
      const [request1, request2] = anthropic.requests.slice(before);
      assert.deepEqual(request1.body.thinking, { type: 'enabled', budget_tokens: 1024 });
      const signature = `sig-peer-${before + 1}-0`;
      assert.deepEqual(request2.body.messages[1].content.slice(0, 2), [
        { type: 'thinking', thinking: 'Need the notes.', signature },
        { type: 'redacted_thinking', data: 'opaque-7' },
      ]);
      const reasoning = (await first.store.listMessages(first.conversation.id))[1].parts.filter((part) => part.kind === 'reasoning');
      assert.deepEqual(
        reasoning.map((part) => [part.text, part.providerMetadata]),
        [
          ['Need the notes.', { anthropic: { signature } }],
          ['', { anthropic: { redactedData: 'opaque-7' } }],
          ['Got them.', { anthropic: { signature: `sig-peer-${before + 2}-0` } }],
        ],
      );
      events.close();
      await first.cleanup();
      await first.store.close();

      // After a restart the signatures come from the store, and the peer checks each one again.
      const store = new SqliteStore({ path });
      await store.init();
      const hub = new SessionHub({ store, models: thinkingRegistry() });
      await hub.start();
      const again = new EventCollector(await hub.subscribe(first.conversation.id));
      anthropic.enqueue({ kind: 'stream', chunks: [{ text: 'Nothing else.' }] });
      await hub.send(first.conversation.id, { content: 'Anything else?' });
      const secondEnd = await again.waitFor(isRunEnd);
      assert.equal(secondEnd.type, 'run-completed', JSON.stringify(secondEnd.data));
      const thinkingSent = anthropic.requests.at(-1)!.body.messages.flatMap((message: any) =>
        Array.isArray(message.content) ? message.content.filter((block: any) => block.type === 'thinking' || block.type === 'redacted_thinking') : [],
      );
      assert.equal(thinkingSent.length, 3);
      again.close();
      await hub.close();
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
