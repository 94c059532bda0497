/**
 * The differential test (see `lean-vs-ai-sdk.test.ts`) for what only the chat-completions wire has:
 * frames the peer does not script (refusals, tool calls whose name or index comes oddly, content
 * arrays, error frames of each shape), the options of both dialects, and OpenAI's model rules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bothClients, providerOn, readTool, runBoth } from '../../../test/peers/differential.ts';
import { startOpenAIUpstream } from '../../../test/peers/openai-upstream.ts';
import type { FakeUpstream, ScriptChunk, UpstreamResponse } from '../../../test/peers/upstream-script.ts';
import type { StepRequest } from '../stream-part.ts';

/** One raw `data:` frame of a chunk with these choices (and usage, when given). */
const frame = (delta: Record<string, unknown> | null, extra: Record<string, unknown> = {}): ScriptChunk => ({
  raw: `data: ${JSON.stringify({ id: 'chatcmpl-raw', object: 'chat.completion.chunk', created: 1, model: 'm', choices: delta === null ? [] : [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`,
});
const raw = (value: unknown): ScriptChunk => ({ raw: `data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n` });
const stream = (chunks: ScriptChunk[], extra: Partial<Extract<UpstreamResponse, { kind: 'stream' }>> = {}): UpstreamResponse => ({ kind: 'stream', chunks, ...extra });
const toolDelta = (index: number, fields: Record<string, unknown>) => frame({ tool_calls: [{ index, ...fields }] });

const frames: [string, UpstreamResponse, Partial<StepRequest>?][] = [
  ['a refusal streams as text and finishes as content-filter', stream([frame({ content: 'I ' }), frame({ refusal: "can't help" })])],
  ['a content delta of an empty string', stream([frame({ content: '' }), frame({ content: 'x' })])],
  [
    'parallel tool calls interleaved by index',
    stream([
      toolDelta(0, { id: 'call_a', type: 'function', function: { name: 'read', arguments: '' } }),
      toolDelta(1, { id: 'call_b', type: 'function', function: { name: 'read', arguments: '{"pa' } }),
      toolDelta(0, { function: { arguments: '{"path":"a"}' } }),
      toolDelta(1, { function: { arguments: 'th":"b"}' } }),
    ]),
    { tools: [readTool] },
  ],
  ['a tool call whose name comes after its arguments', stream([toolDelta(0, { id: 'call_late', function: { arguments: '{"path":' } }), toolDelta(0, { function: { name: 'read', arguments: '"x"}' } })]), { tools: [readTool] }],
  ['a tool call that never gets a name', stream([toolDelta(0, { id: 'call_nameless', function: { arguments: '{}' } })]), { tools: [readTool] }],
  ['reasoning under "reasoning" and in content arrays', stream([frame({ reasoning: 'R1' }), frame({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'R2' }] }, { type: 'text', text: 'T' }] })])],
  ['a Gemini thought signature on a tool call', stream([toolDelta(0, { id: 'call_g', function: { name: 'read', arguments: '{}' }, extra_content: { google: { thought_signature: 'sig-g' } } })]), { tools: [readTool] }],
  ['usage on a frame with choices, then none', stream([frame({ content: 'a' }, { usage: { prompt_tokens: 5, completion_tokens: 1 } })], { usage: { inputTokens: 7, outputTokens: 2 } })],
  ['an error frame with a status-like code before output', stream([raw({ error: { message: 'Too many', type: 'requests', code: '429' } })])],
  ['an error frame of rate_limit type after output', stream([frame({ content: 'a' }), raw({ error: { message: 'Slow', type: 'rate_limit_exceeded', code: null, param: null } })])],
  ['an insufficient_quota error frame before output', stream([raw({ error: { message: 'Quota', type: 'insufficient_quota', code: 'insufficient_quota' } })])],
  ['an error frame that is only a string', stream([raw({ error: 'broken' })])],
  ['a frame that is not JSON', stream([frame({ content: 'a' }), raw('{"choices": [')])],
  ['a frame without choices', stream([frame({ content: 'a' }), raw({ id: 'x' })])],
  ['a finish reason the packages do not know', stream([frame({ content: 'a' }), raw({ choices: [{ index: 0, delta: {}, finish_reason: 'eos' }] })], { endAfter: 2 })],
];

for (const dialect of [{ type: 'openai-compatible', model: 'p/m1' }, { type: 'openai', model: 'p/gpt-4o-mini' }] as const) {
  describe(`lean reader = AI SDK over chat completions, ${dialect.type} frames`, () => {
    let upstream: FakeUpstream;
    before(async () => {
      upstream = await startOpenAIUpstream();
    });
    after(() => upstream.close());

    for (const [name, response, request] of frames) {
      test(name, async () => {
        const { lean, aiSdk } = await runBoth(upstream, bothClients(providerOn(upstream, { type: dialect.type })), dialect.model, response, request);
        assert.deepEqual(lean, aiSdk);
      });
    }

    test('a tool call without an id gets a generated one', async () => {
      const response = stream([toolDelta(0, { function: { name: 'read', arguments: '{"path":"x"}' } })]);
      const { lean, aiSdk } = await runBoth(upstream, bothClients(providerOn(upstream, { type: dialect.type })), dialect.model, response, { tools: [readTool] });
      const generated = (parts: typeof lean.parts) => parts.map((part) => (part.type === 'tool-call' ? { ...part, toolCallId: typeof part.toolCallId } : part));
      assert.deepEqual({ ...lean, parts: generated(lean.parts) }, { ...aiSdk, parts: generated(aiSdk.parts) });
      assert.ok(lean.parts.some((part) => part.type === 'tool-call' && part.toolCallId.length > 0));
    });
  });
}

describe('lean reader = AI SDK over chat completions: options and model rules', () => {
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startOpenAIUpstream();
  });
  after(() => upstream.close());
  const request = { system: 'Be brief.', tools: [readTool] };

  const cases: [string, Record<string, unknown>, string][] = [
    ['openai-compatible options pass through raw, the known ones mapped', { type: 'openai-compatible', providerOptions: { p: { temperature: 0.2, reasoningEffort: 'high', textVerbosity: 'low', user: 'u1' } } }, 'p/m1'],
    ['openai-compatible options under a camel-cased name', { type: 'openai-compatible', providerOptions: { openaiCompatible: { user: 'u2' }, p: { top_k: 3 } } }, 'p/m1'],
    ['openai options', { type: 'openai', providerOptions: { openai: { reasoningEffort: 'low', user: 'u', store: true, parallelToolCalls: false, metadata: { a: 'b' }, promptCacheKey: 'k' } } }, 'p/o4-mini'],
    ['a reasoning model gets a developer prompt', { type: 'openai' }, 'p/o4-mini'],
    ['gpt-5.6 with tools gets reasoning effort none', { type: 'openai' }, 'p/gpt-5.6'],
    ['an unknown gpt-5 variant follows the family rules', { type: 'openai' }, 'p/gpt-5.7-mini-2027-01-01'],
    ['an unknown model id', { type: 'openai' }, 'p/my-fine-tune'],
    ['systemMessageMode remove and forceReasoning', { type: 'openai', providerOptions: { openai: { systemMessageMode: 'remove', forceReasoning: true } } }, 'p/gpt-4o'],
  ];
  for (const [name, provider, model] of cases) {
    test(name, async () => {
      const { lean, aiSdk } = await runBoth(upstream, bothClients(providerOn(upstream, provider)), model, stream([{ text: 'ok' }]), request);
      assert.deepEqual(lean, aiSdk);
    });
  }

  test('a tool schema the openai package rewrites goes to the AI SDK for that step, with the same result', async () => {
    const tool = { name: 'pick', description: 'Pick', inputSchema: { type: 'object', propertyNames: { pattern: '^[a-z]+$' }, properties: { id: { type: 'string', pattern: '^(?!x)' } } } };
    const { lean, aiSdk } = await runBoth(upstream, bothClients(providerOn(upstream, { type: 'openai' })), 'p/gpt-4o', stream([{ text: 'ok' }]), { tools: [tool] });
    assert.deepEqual(lean, aiSdk);
    assert.equal((aiSdk.request?.body as { tools: { function: { parameters: object } }[] }).tools[0].function.parameters.hasOwnProperty('propertyNames'), false);
  });
});
