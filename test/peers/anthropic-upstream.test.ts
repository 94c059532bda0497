import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAnthropicUpstream } from './anthropic-upstream.ts';
import type { FakeUpstream } from './upstream-script.ts';

const post = (upstream: FakeUpstream, body: Record<string, unknown>) =>
  fetch(`${upstream.url}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }], stream: true, ...body }),
  });

const event = (type: string, data: Record<string, unknown> = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const blockDelta = (index: number, delta: Record<string, unknown>) => event('content_block_delta', { index, delta });

describe('Anthropic upstream peer', () => {
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startAnthropicUpstream();
  });
  after(() => upstream.close());

  test('streams Messages events byte for byte: thinking, text and tool_use blocks', async () => {
    upstream.enqueue({
      kind: 'stream',
      chunks: [{ reasoning: 'Hm' }, { reasoning: '.' }, { text: 'Hi' }, { toolCall: { id: 'toolu_1', name: 'read', arguments: '{"p":1}' } }],
      usage: { inputTokens: 50, outputTokens: 9, cachedInputTokens: 20 },
    });
    const response = await post(upstream, {});
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(
      await response.text(),
      [
        event('message_start', {
          message: {
            id: 'msg_peer_1',
            type: 'message',
            role: 'assistant',
            model: 'claude-sonnet-4-5',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 20, output_tokens: 1 },
          },
        }),
        event('ping'),
        event('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
        blockDelta(0, { type: 'thinking_delta', thinking: 'Hm' }),
        blockDelta(0, { type: 'thinking_delta', thinking: '.' }),
        blockDelta(0, { type: 'signature_delta', signature: 'sig-peer-1-0' }),
        event('content_block_stop', { index: 0 }),
        event('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
        blockDelta(1, { type: 'text_delta', text: 'Hi' }),
        event('content_block_stop', { index: 1 }),
        event('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'read', input: {} } }),
        blockDelta(2, { type: 'input_json_delta', partial_json: '' }),
        blockDelta(2, { type: 'input_json_delta', partial_json: '{"p' }),
        blockDelta(2, { type: 'input_json_delta', partial_json: '":1' }),
        blockDelta(2, { type: 'input_json_delta', partial_json: '}' }),
        event('content_block_stop', { index: 2 }),
        event('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } }),
        event('message_stop'),
      ].join(''),
    );
  });

  test('a redacted thinking block is a start and a stop with its data, and only issued thinking is accepted back', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ redactedThinking: 'opaque' }, { text: 'Hi' }] });
    const first = upstream.requests.length + 1;
    const body = await (await post(upstream, {})).text();
    assert.ok(body.includes(event('content_block_start', { index: 0, content_block: { type: 'redacted_thinking', data: 'opaque' } }) + event('content_block_stop', { index: 0 })));

    upstream.enqueue({ kind: 'stream', chunks: [{ reasoning: 'Hm' }, { toolCall: { id: 'toolu_9', name: 'read', arguments: '{}' } }] });
    await (await post(upstream, {})).text();
    const toolTurn = (content: unknown[]) => ({
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [...content, { type: 'tool_use', id: 'toolu_9', name: 'read', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'ok' }] },
      ],
    });
    const signed = { type: 'thinking', thinking: 'Hm', signature: `sig-peer-${first + 1}-0` };
    const refusals = [
      [[], /Expected `thinking` or `redacted_thinking`, but found `tool_use`/],
      [[{ ...signed, signature: 'forged' }], /Invalid `signature` in `thinking` block/],
      [[{ type: 'redacted_thinking', data: 'made-up' }], /Invalid `data` in `redacted_thinking` block/],
    ] as const;
    for (const [content, message] of refusals) {
      const refused = await post(upstream, toolTurn([...content]));
      assert.equal(refused.status, 400);
      const error = (await refused.json()) as { error: { type: string; message: string } };
      assert.equal(error.error.type, 'invalid_request_error');
      assert.match(error.error.message, message);
    }
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'ok' }] }, { kind: 'stream', chunks: [{ text: 'ok' }] });
    for (const content of [[signed], [{ type: 'redacted_thinking', data: 'opaque' }]]) {
      const accepted = await post(upstream, toolTurn(content));
      assert.equal(accepted.status, 200, await accepted.clone().text());
      await accepted.text();
    }
  });

  test('finish reasons map to stop_reason: length is max_tokens', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }], finishReason: 'length' });
    const body = await (await post(upstream, {})).text();
    assert.ok(body.includes('"delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":1}'));
  });

  test('error responses have the Anthropic shape, with the type following the status', async () => {
    upstream.enqueue({ kind: 'error', status: 529, message: 'Overloaded' }, { kind: 'error', status: 401, message: 'invalid x-api-key' });
    const overloaded = await post(upstream, {});
    assert.equal(overloaded.status, 529);
    assert.deepEqual(await overloaded.json(), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    assert.deepEqual(await (await post(upstream, {})).json(), { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
  });

  test('an in-stream error is an error event, then the response ends', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }], errorAfter: { chunks: 1, message: 'Overloaded', type: 'overloaded_error' } });
    const body = await (await post(upstream, {})).text();
    assert.ok(body.endsWith(event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })));
    assert.ok(!body.includes('message_stop'));
  });

  test('a request without max_tokens is refused with 400', async () => {
    const response = await post(upstream, { max_tokens: undefined });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { type: 'error', error: { type: 'invalid_request_error', message: 'fake upstream: max_tokens: Field required' } });
  });
});
