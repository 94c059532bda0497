import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { collectParts, peerTargets } from '../../../test/peers/peer-models.ts';
import type { FakeUpstream } from '../../../test/peers/upstream-script.ts';
import type { PromptMessage, StepSource, StreamPart, ToolSpec } from '../stream-part.ts';
import { createAiSdkStepSource } from './ai-sdk-step-source.ts';

const readTool: ToolSpec = {
  name: 'read',
  description: 'Read a file',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

/** The id the provider gave the first part of `type`: ids differ by package ('txt-0', '0', ...). */
const idOf = (parts: StreamPart[], type: StreamPart['type']) => (parts.find((part) => part.type === type) as { id: string }).id;

for (const target of peerTargets) {
  describe(`AI SDK step source over ${target.name}`, () => {
    let upstream: FakeUpstream;
    let source: StepSource;
    before(async () => {
      upstream = await target.start();
      source = createAiSdkStepSource(target.model(upstream));
    });
    after(() => upstream.close());

    test('streams text as start, one delta per token, end, then finish with the reported usage', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hel' }, { text: 'lo' }, { text: ' world' }], usage: { inputTokens: 12, outputTokens: 3 } });
      const parts = await collectParts(source);
      const id = idOf(parts, 'text-start');
      assert.deepEqual(parts, [
        { type: 'text-start', id },
        { type: 'text-delta', id, delta: 'Hel' },
        { type: 'text-delta', id, delta: 'lo' },
        { type: 'text-delta', id, delta: ' world' },
        { type: 'text-end', id },
        { type: 'finish', finishReason: 'stop', usage: { inputTokens: 12, outputTokens: 3 } },
      ]);
    });

    test('a tool call streamed in pieces arrives as one tool-call part with parsed input', async () => {
      upstream.enqueue({
        kind: 'stream',
        chunks: [{ text: 'Reading.' }, { toolCall: { id: 'call_1', name: 'read', arguments: '{"path":"notes/a.txt"}' } }],
        usage: { inputTokens: 30, outputTokens: 9 },
      });
      const parts = await collectParts(source, { tools: [readTool] });
      const id = idOf(parts, 'text-start');
      assert.deepEqual(parts, [
        { type: 'text-start', id },
        { type: 'text-delta', id, delta: 'Reading.' },
        { type: 'text-end', id },
        { type: 'tool-call', toolCallId: 'call_1', toolName: 'read', input: { path: 'notes/a.txt' } },
        { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 30, outputTokens: 9 } },
      ]);
    });

    test('two tool calls come out in order, each with its own input', async () => {
      upstream.enqueue({
        kind: 'stream',
        chunks: [
          { toolCall: { id: 'call_a', name: 'read', arguments: '{"path":"a.txt"}' } },
          { toolCall: { id: 'call_b', name: 'read', arguments: '{"path":"b.txt"}' } },
        ],
      });
      const parts = await collectParts(source, { tools: [readTool] });
      assert.deepEqual(
        parts.filter((part) => part.type === 'tool-call'),
        [
          { type: 'tool-call', toolCallId: 'call_a', toolName: 'read', input: { path: 'a.txt' } },
          { type: 'tool-call', toolCallId: 'call_b', toolName: 'read', input: { path: 'b.txt' } },
        ],
      );
    });

    test('tool-call input that is not valid JSON is passed on as the raw string', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ toolCall: { id: 'call_x', name: 'read', arguments: '{"path": ' } }] });
      const parts = await collectParts(source, { tools: [readTool] });
      assert.deepEqual(parts[0], { type: 'tool-call', toolCallId: 'call_x', toolName: 'read', input: '{"path": ' });
    });

    test('usage carries cached input and reasoning tokens from the final usage report', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'ok' }], usage: { inputTokens: 100, outputTokens: 40, cachedInputTokens: 30, reasoningTokens: 12 } });
      const parts = await collectParts(source);
      assert.deepEqual(parts.at(-1), {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 100, outputTokens: 40, cachedInputTokens: 30, reasoningTokens: 12 },
      });
    });

    test('a length stop finishes with finishReason length', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'cut' }], finishReason: 'length', usage: { inputTokens: 5, outputTokens: 1 } });
      const parts = await collectParts(source);
      assert.deepEqual(parts.at(-1), { type: 'finish', finishReason: 'length', usage: { inputTokens: 5, outputTokens: 1 } });
    });

    if (target.streamsReasoning) {
      test('reasoning streams as its own block before the text', async () => {
        upstream.enqueue({ kind: 'stream', chunks: [{ reasoning: 'Think' }, { reasoning: 'ing.' }, { text: 'Done' }] });
        const parts = await collectParts(source);
        const reasoningId = idOf(parts, 'reasoning-start');
        const textId = idOf(parts, 'text-start');
        const reasoningEnd = parts.find((part) => part.type === 'reasoning-end');
        // Anthropic signs its thinking (a signature_delta before the block stops); the signature
        // comes out on the block's end, to be stored and sent back.
        const providerMetadata = target.name === 'anthropic' ? { anthropic: { signature: `sig-peer-${upstream.requests.length}-0` } } : undefined;
        assert.deepEqual(reasoningEnd, { type: 'reasoning-end', id: reasoningId, ...(providerMetadata ? { providerMetadata } : {}) });
        assert.deepEqual(parts.slice(0, -1), [
          { type: 'reasoning-start', id: reasoningId },
          { type: 'reasoning-delta', id: reasoningId, delta: 'Think' },
          { type: 'reasoning-delta', id: reasoningId, delta: 'ing.' },
          reasoningEnd,
          { type: 'text-start', id: textId },
          { type: 'text-delta', id: textId, delta: 'Done' },
          { type: 'text-end', id: textId },
        ]);
      });
    }
  });
}

const conversation: PromptMessage[] = [
  { role: 'user', text: 'Read a.txt and b.txt' },
  {
    role: 'assistant',
    content: [
      { type: 'reasoning', text: 'Need both files.' },
      { type: 'text', text: 'Reading.' },
      { type: 'tool-call', toolCallId: 'call_1', toolName: 'read', input: { path: 'a.txt' } },
      { type: 'tool-call', toolCallId: 'call_2', toolName: 'read', input: { path: 'b.txt' } },
    ],
  },
  {
    role: 'tool',
    results: [
      { toolCallId: 'call_1', toolName: 'read', output: { content: 'hello' }, isError: false },
      { toolCallId: 'call_2', toolName: 'read', output: 'ENOENT: b.txt', isError: true },
    ],
  },
  { role: 'user', text: 'Thanks' },
];

async function sentBody(targetName: string) {
  const target = peerTargets.find((candidate) => candidate.name === targetName)!;
  const upstream = await target.start();
  try {
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'ok' }] });
    await collectParts(createAiSdkStepSource(target.model(upstream)), { system: 'You are terse.', messages: conversation, tools: [readTool] });
    return upstream.requests[0];
  } finally {
    await upstream.close();
  }
}

describe('Anthropic extended thinking', () => {
  const anthropic = peerTargets.find((candidate) => candidate.name === 'anthropic')!;
  let upstream: FakeUpstream;
  let source: StepSource;
  before(async () => {
    upstream = await anthropic.start();
    source = createAiSdkStepSource(anthropic.model(upstream));
  });
  after(() => upstream.close());

  test('a redacted thinking block becomes an empty reasoning part that carries its data', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ redactedThinking: 'opaque-1' }, { text: 'Hi' }] });
    const parts = await collectParts(source);
    assert.deepEqual(parts.slice(0, 2), [
      { type: 'reasoning-start', id: '0' },
      { type: 'reasoning-end', id: '0', providerMetadata: { anthropic: { redactedData: 'opaque-1' } } },
    ]);
  });

  test('signed and redacted thinking go back as thinking blocks before the tool calls they led to', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ reasoning: 'Need a.' }, { redactedThinking: 'opaque-2' }, { toolCall: { id: 'toolu_1', name: 'read', arguments: '{"path":"a.txt"}' } }] });
    const first = await collectParts(source, { tools: [readTool] });
    const ends = first.filter((part) => part.type === 'reasoning-end');
    const signature = `sig-peer-${upstream.requests.length}-0`;
    assert.deepEqual(ends.map((part) => part.providerMetadata), [{ anthropic: { signature } }, { anthropic: { redactedData: 'opaque-2' } }]);

    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'It says hello.' }] });
    const messages: PromptMessage[] = [
      { role: 'user', text: 'What is in a.txt?' },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Need a.', providerOptions: ends[0].providerMetadata },
          { type: 'reasoning', text: '', providerOptions: ends[1].providerMetadata },
          { type: 'tool-call', toolCallId: 'toolu_1', toolName: 'read', input: { path: 'a.txt' } },
        ],
      },
      { role: 'tool', results: [{ toolCallId: 'toolu_1', toolName: 'read', output: 'hello', isError: false }] },
    ];
    const second = await collectParts(source, { messages, tools: [readTool] });
    assert.equal(second.at(-1)!.type, 'finish');
    assert.deepEqual(upstream.requests.at(-1)!.body.messages[1].content, [
      { type: 'thinking', thinking: 'Need a.', signature },
      { type: 'redacted_thinking', data: 'opaque-2' },
      { type: 'tool_use', id: 'toolu_1', name: 'read', input: { path: 'a.txt' } },
    ]);
  });

  test('the peer refuses thinking it did not sign, as the API does', async () => {
    const messages: PromptMessage[] = [
      { role: 'user', text: 'Hi' },
      { role: 'assistant', content: [{ type: 'reasoning', text: 'Forged.', providerOptions: { anthropic: { signature: 'forged' } } }, { type: 'text', text: 'Hello.' }] },
      { role: 'user', text: 'Again' },
    ];
    await assert.rejects(collectParts(source, { messages }), (error: Error) => /Invalid `signature` in `thinking` block/.test(error.message));
  });
});

describe('the prompt sent upstream', () => {
  test('OpenAI-compatible wire: system, assistant reasoning_content and tool_calls, one tool message per result', async () => {
    const request = await sentBody('openai-compatible');
    assert.equal(request.headers.authorization, 'Bearer sk-test-0123456789abcdef');
    assert.deepEqual(request.body.stream_options, { include_usage: true });
    assert.deepEqual(request.body.messages, [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Read a.txt and b.txt' },
      {
        role: 'assistant',
        content: 'Reading.',
        reasoning_content: 'Need both files.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'read', arguments: '{"path":"a.txt"}' } },
          { id: 'call_2', type: 'function', function: { name: 'read', arguments: '{"path":"b.txt"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"content":"hello"}' },
      { role: 'tool', tool_call_id: 'call_2', content: 'ENOENT: b.txt' },
      { role: 'user', content: 'Thanks' },
    ]);
    assert.deepEqual(request.body.tools, [{ type: 'function', function: { name: 'read', description: 'Read a file', parameters: readTool.inputSchema } }]);
  });

  test('OpenAI chat wire: an error result is sent as {"error": ...}, reasoning is not sent back', async () => {
    const request = await sentBody('openai');
    assert.deepEqual(request.body.messages[2], {
      role: 'assistant',
      content: 'Reading.',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'read', arguments: '{"path":"a.txt"}' } },
        { id: 'call_2', type: 'function', function: { name: 'read', arguments: '{"path":"b.txt"}' } },
      ],
    });
    assert.deepEqual(request.body.messages.slice(3), [
      { role: 'tool', tool_call_id: 'call_1', content: '{"content":"hello"}' },
      { role: 'tool', tool_call_id: 'call_2', content: '{"error":"ENOENT: b.txt"}' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  test('Anthropic wire: system blocks, tool_use blocks, tool_result blocks with is_error in the next user turn', async () => {
    const request = await sentBody('anthropic');
    assert.equal(request.headers['x-api-key'], 'sk-test-0123456789abcdef');
    assert.equal(request.headers['anthropic-version'], '2023-06-01');
    assert.deepEqual(request.body.system, [{ type: 'text', text: 'You are terse.' }]);
    assert.deepEqual(request.body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Read a.txt and b.txt' }] },
      {
        role: 'assistant',
        // Reasoning without Anthropic's signature cannot be sent back; the provider drops it.
        content: [
          { type: 'text', text: 'Reading.' },
          { type: 'tool_use', id: 'call_1', name: 'read', input: { path: 'a.txt' } },
          { type: 'tool_use', id: 'call_2', name: 'read', input: { path: 'b.txt' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '{"content":"hello"}' },
          { type: 'tool_result', tool_use_id: 'call_2', content: 'ENOENT: b.txt', is_error: true },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ]);
    assert.deepEqual(request.body.tools.map((tool: { name: string; input_schema: unknown }) => [tool.name, tool.input_schema]), [['read', readTool.inputSchema]]);
  });

  test('an empty system prompt is not sent', async () => {
    const target = peerTargets[0];
    const upstream = await target.start();
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'ok' }] });
    await collectParts(createAiSdkStepSource(target.model(upstream)), { system: '' });
    await upstream.close();
    assert.deepEqual(upstream.requests[0].body.messages, [{ role: 'user', content: 'Hello' }]);
  });
});
