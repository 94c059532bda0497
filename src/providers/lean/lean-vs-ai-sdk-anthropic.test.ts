/**
 * The differential test (see `lean-vs-ai-sdk.test.ts`) for what only the Anthropic wire has:
 * thinking settings per model (budgets, adaptive, the rewrites for models that refuse some),
 * betas, unknown models, error events first or later, and odd block sequences.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAnthropicUpstream } from '../../../test/peers/anthropic-upstream.ts';
import { asAssistantContent, bothClients, providerOn, readTool, runBoth } from '../../../test/peers/differential.ts';
import type { FakeUpstream, ScriptChunk, UpstreamResponse } from '../../../test/peers/upstream-script.ts';
import type { PromptMessage } from '../stream-part.ts';

const event = (type: string, data: Record<string, unknown>): ScriptChunk => ({ raw: `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n` });
const stream = (chunks: ScriptChunk[], extra: Partial<Extract<UpstreamResponse, { kind: 'stream' }>> = {}): UpstreamResponse => ({ kind: 'stream', chunks, ...extra });
const messageStart = (id: string) => event('message_start', { message: { id, type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } });
const thinking = (options: Record<string, unknown>) => ({ type: 'anthropic', providerOptions: { anthropic: options } });

describe('lean reader = AI SDK over anthropic: settings and models', () => {
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startAnthropicUpstream();
  });
  after(() => upstream.close());
  const request = { system: 'Think.', tools: [readTool] };

  const cases: [string, Record<string, unknown>, string][] = [
    ['thinking with a budget: max_tokens grows, capped at the model limit', thinking({ thinking: { type: 'enabled', budgetTokens: 2000 } }), 'p/claude-sonnet-4-5'],
    ['thinking without a budget takes 1024', thinking({ thinking: { type: 'enabled' } }), 'p/claude-3-7-sonnet-latest'],
    ['adaptive thinking with a display and an effort', thinking({ thinking: { type: 'adaptive', display: 'summarized' }, effort: 'high' }), 'p/claude-opus-4-7'],
    ['adaptive thinking showing updates needs a beta', thinking({ thinking: { type: 'adaptive', display: 'updates' } }), 'p/claude-opus-4-7'],
    ['disabled thinking on a model that cannot disable it', thinking({ thinking: { type: 'disabled' }, effort: 'max' }), 'p/claude-sonnet-5-5'],
    ['budget thinking on a model that only thinks adaptively', thinking({ thinking: { type: 'enabled', budgetTokens: 3000 } }), 'p/claude-sonnet-5-5'],
    ['disabled thinking', thinking({ thinking: { type: 'disabled' } }), 'p/claude-sonnet-4-5'],
    ['tool streaming off', thinking({ toolStreaming: false }), 'p/claude-sonnet-4-5'],
    ['an unknown model: small max_tokens, no structured-output beta', { type: 'anthropic' }, 'p/sonnet'],
    ['configured betas join the ones the request needs', { type: 'anthropic', headers: { 'x-team': 'core', 'anthropic-beta': 'Files-API-2025-04-14, extra-1' } }, 'p/claude-sonnet-4-5'],
  ];
  for (const [name, provider, model] of cases) {
    test(name, async () => {
      const { lean, aiSdk } = await runBoth(upstream, bothClients(providerOn(upstream, provider)), model, stream([{ text: 'ok' }]), request);
      assert.deepEqual(lean, aiSdk);
    });
  }

  test('sendReasoning off: signed thinking is not sent back', async () => {
    const clients = bothClients(providerOn(upstream, thinking({ sendReasoning: false })));
    const first = await runBoth(upstream, clients, 'p/claude-sonnet-4-5', stream([{ reasoning: 'Hmm.' }, { text: 'Hi' }]));
    const messages: PromptMessage[] = [{ role: 'user', text: 'Hi' }, { role: 'assistant', content: asAssistantContent(first.raw.aiSdk) }, { role: 'user', text: 'Again' }];
    const second = await runBoth(upstream, clients, 'p/claude-sonnet-4-5', stream([{ text: 'ok' }]), { messages });
    assert.deepEqual(second.lean, second.aiSdk);
  });
});

describe('lean reader = AI SDK over anthropic: events', () => {
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startAnthropicUpstream();
  });
  after(() => upstream.close());
  const model = 'p/claude-sonnet-4-5';

  const scenarios: [string, UpstreamResponse][] = [
    ['an overloaded error as the very first event fails like an HTTP 529', stream([event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })], { omitStart: true })],
    ['a rate-limit error event after a ping, first', stream([event('ping', {}), event('error', { error: { type: 'rate_limit_error', message: 'Slow' } })], { omitStart: true })],
    ['an overloaded error event after output', stream([{ text: 'a' }], { errorAfter: { chunks: 1, message: 'Overloaded', type: 'overloaded_error' } })],
    ['an error event of a type the packages do not know', stream([{ text: 'a' }], { errorAfter: { chunks: 1, message: 'Odd', type: 'teapot_error' } })],
    ['a second message_start while a message is open', stream([{ text: 'a' }, messageStart('msg_other')])],
    ['the same message_start again is ignored', stream([messageStart('msg_peer_N'), { text: 'a' }])],
    ['a signature on a text block is ignored', stream([event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }), event('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 's' } }), event('content_block_stop', { index: 0 })])],
    ['a tool_use block that starts with its input', stream([event('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_p', name: 'read', input: { path: 'x' } } }), event('content_block_stop', { index: 0 })])],
    ['an empty thinking block with its signature only', stream([event('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }), event('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig-peer-1-9' } }), event('content_block_stop', { index: 0 })])],
    ['stop reasons: refusal', stream([{ text: 'no' }, event('message_delta', { delta: { stop_reason: 'refusal' }, usage: { output_tokens: 1 } }), event('message_stop', {})], { endAfter: 3 })],
    ['a message_stop without a message_delta', stream([{ text: 'x' }, event('content_block_stop', { index: 0 }), event('message_stop', {})], { endAfter: 3 })],
    ['usage with cache writes and compaction iterations', stream([{ text: 'x' }, event('content_block_stop', { index: 0 }), event('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5, cache_creation_input_tokens: 7, iterations: [{ type: 'compaction', input_tokens: 40, output_tokens: 4 }, { type: 'message', input_tokens: 9, output_tokens: 5 }] } }), event('message_stop', {})], { endAfter: 4 })],
  ];
  for (const [name, response] of scenarios) {
    test(name, async () => {
      const { lean, aiSdk } = await runBoth(upstream, bothClients(providerOn(upstream, { type: 'anthropic' })), model, response);
      assert.deepEqual(lean, aiSdk);
    });
  }
});
