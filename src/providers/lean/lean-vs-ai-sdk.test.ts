/**
 * The differential test: every scenario runs through the lean reader and through the AI SDK
 * package (the reference) for the same configured provider, against the same fake upstream, and
 * both must yield the same stream parts in the same order, fail with the same classification, and
 * send the same request (parsed JSON body, the headers that matter). Scenarios common to the four
 * wires are here; each wire's own cases are in `lean-vs-ai-sdk-<wire>.test.ts`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asAssistantContent, bothClients, providerOn, readTool, runBoth, wires, type Clients } from '../../../test/peers/differential.ts';
import { testApiKey } from '../../../test/peers/peer-models.ts';
import type { FakeUpstream, ScriptChunk, UpstreamResponse } from '../../../test/peers/upstream-script.ts';
import type { PromptMessage, StepRequest } from '../stream-part.ts';

const stream = (chunks: ScriptChunk[], extra: Partial<Extract<UpstreamResponse, { kind: 'stream' }>> = {}): UpstreamResponse => ({ kind: 'stream', chunks, ...extra });
const call = (id: string, path: string) => ({ toolCall: { id, name: 'read', arguments: JSON.stringify({ path }) } });

const scenarios: [string, UpstreamResponse, Partial<StepRequest>?][] = [
  ['text, one delta per token, then usage', stream([{ text: 'Hel' }, { text: 'lo' }, { text: ' world' }], { usage: { inputTokens: 12, outputTokens: 3 } })],
  ['reasoning before text', stream([{ reasoning: 'Think' }, { reasoning: 'ing.' }, { text: 'Done' }])],
  ['text between two reasoning blocks', stream([{ reasoning: 'A' }, { text: 'B' }, { reasoning: 'C' }, { text: 'D' }])],
  ['parallel tool calls after text', stream([{ text: 'Reading both.' }, call('call_a', 'a.txt'), call('call_b', 'b.txt')], { usage: { inputTokens: 30, outputTokens: 9 } }), { tools: [readTool] }],
  ['tool input that is not JSON', stream([{ toolCall: { id: 'call_x', name: 'read', arguments: '{"path": ' } }]), { tools: [readTool] }],
  ['cached input and reasoning tokens', stream([{ text: 'ok' }], { usage: { inputTokens: 100, outputTokens: 40, cachedInputTokens: 30, reasoningTokens: 12 } })],
  ['a length stop', stream([{ text: 'cut' }], { finishReason: 'length' })],
  ['an answer with no content', stream([])],
  ['429 with retry-after', { kind: 'error', status: 429, message: 'Rate limit reached', headers: { 'retry-after': '2' } }],
  ['429 with retry-after-ms over retry-after', { kind: 'error', status: 429, message: 'slow down', headers: { 'retry-after': '9', 'retry-after-ms': '250' } }],
  ['401 whose message holds the key', { kind: 'error', status: 401, message: `Incorrect API key provided: ${testApiKey}.` }],
  ['404', { kind: 'error', status: 404, message: 'The model does not exist' }],
  ['500', { kind: 'error', status: 500, message: 'The server had an error' }],
  ['503 with an HTML body from a proxy', { kind: 'error', status: 503, message: '', rawBody: '<html><body>Service Unavailable</body></html>', headers: { 'retry-after': '1' } }],
  ['429 insufficient_quota', { kind: 'error', status: 429, type: 'insufficient_quota', message: 'You exceeded your current quota.', headers: { 'retry-after': '20' } }],
  ['an error event after output', stream([{ text: 'one' }, { text: ' two' }, { text: ' three' }], { errorAfter: { chunks: 2, message: 'Internal stream failure' } })],
  ['an error event before any output', stream([{ text: 'never' }], { errorAfter: { chunks: 0, message: 'Overloaded', type: 'overloaded_error' } })],
  ['the socket cut mid-stream', stream([{ text: 'one' }, { text: ' two' }, { text: ' three' }], { dropAfter: 2 })],
  ['a clean end without the finish signal', stream([{ text: 'one' }, { text: ' two' }, { text: ' three' }], { endAfter: 2 })],
  ['a clean end before any output', stream([{ text: 'one' }], { endAfter: 0 })],
];

const conversation: PromptMessage[] = [
  { role: 'user', text: 'Read a.txt and b.txt' },
  {
    role: 'assistant',
    content: [
      { type: 'reasoning', text: 'Need both files.' },
      { type: 'text', text: 'Reading.' },
      { type: 'text', text: '' },
      { type: 'tool-call', toolCallId: 'call_1', toolName: 'read', input: { path: 'a.txt' } },
      { type: 'tool-call', toolCallId: 'call_2', toolName: 'read', input: '{"path":"b.txt"}' },
    ],
  },
  {
    role: 'tool',
    results: [
      { toolCallId: 'call_1', toolName: 'read', output: { content: 'hello' }, isError: false },
      { toolCallId: 'call_2', toolName: 'read', output: 'ENOENT: b.txt', isError: true },
    ],
  },
  { role: 'assistant', content: [{ type: 'text', text: '' }] },
  { role: 'user', text: 'Thanks' },
];

const prompts: [string, Partial<StepRequest>][] = [
  ['a conversation with reasoning, tool calls and results, with tools', { system: 'You are terse.', messages: conversation, tools: [readTool] }],
  ['no system prompt and no tools', { system: '', messages: [{ role: 'user', text: 'Hello' }] }],
  ['a prefill: the prompt ends in assistant text', { system: 'S', messages: [{ role: 'user', text: 'Go on' }, { role: 'assistant', content: [{ type: 'text', text: 'The answer is ' }] }] }],
  ['a tool result that is not JSON-safe', { messages: [{ role: 'user', text: 'x' }, { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'read', input: undefined }] }, { role: 'tool', results: [{ toolCallId: 't1', toolName: 'read', output: undefined, isError: false }] }], tools: [readTool] }],
];

for (const wire of wires) {
  describe(`lean reader = AI SDK over ${wire.name}`, () => {
    let upstream: FakeUpstream;
    let clients: Clients;
    const model = `p/${wire.model}`;
    before(async () => {
      upstream = await wire.start();
      clients = bothClients(providerOn(upstream, wire.type));
    });
    after(() => upstream.close());

    for (const [name, response, request] of scenarios) {
      test(name, async () => {
        const { lean, aiSdk } = await runBoth(upstream, clients, model, response, request);
        assert.deepEqual(lean, aiSdk);
      });
    }

    for (const [name, request] of prompts) {
      test(`request: ${name}`, async () => {
        const { lean, aiSdk } = await runBoth(upstream, clients, model, stream([{ text: 'ok' }]), request);
        assert.deepEqual(lean, aiSdk);
        assert.equal(aiSdk.error, undefined, 'the peer accepts the request');
      });
    }

    test('round trip: what a step yielded, sent back in the next request', async () => {
      const chunks: ScriptChunk[] = [{ reasoning: 'Need a.' }, ...(wire.name === 'anthropic' ? [{ redactedThinking: 'opaque-1' }] : []), { text: 'Reading ' }, call('call_9', 'a.txt')];
      const first = await runBoth(upstream, clients, model, stream(chunks), { tools: [readTool] });
      assert.deepEqual(first.lean, first.aiSdk);
      // The AI SDK's parts are the later request's, so every id in them is still known to the peer.
      const messages: PromptMessage[] = [
        { role: 'user', text: 'What is in a.txt?' },
        { role: 'assistant', content: asAssistantContent(first.raw.aiSdk) },
        { role: 'tool', results: [{ toolCallId: 'call_9', toolName: 'read', output: 'hello', isError: false }] },
      ];
      const second = await runBoth(upstream, clients, model, stream([{ text: 'It says hello.' }]), { messages, tools: [readTool] });
      assert.deepEqual(second.lean, second.aiSdk);
      assert.equal(second.aiSdk.error, undefined, 'the peer accepts what was sent back');
    });
  });
}

