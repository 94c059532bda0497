import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startResponsesUpstream } from './responses-upstream.ts';
import type { FakeUpstream } from './upstream-script.ts';

const post = (upstream: FakeUpstream, body: Record<string, unknown>) =>
  fetch(`${upstream.url}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body: JSON.stringify({ model: 'o4-mini', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }], stream: true, ...body }),
  });

/** The `type` of every event of a stream, in order. */
const eventTypes = (text: string) => [...text.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);
const dataOf = (text: string, type: string) => [...text.matchAll(/^data: (.+)$/gm)].map((match) => JSON.parse(match[1])).filter((data) => data.type === type);

describe('Responses API upstream peer', () => {
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startResponsesUpstream();
  });
  after(() => upstream.close());

  test('streams reasoning, message and function call items, numbered in sequence, then the completion with usage', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ reasoning: 'Hm' }, { text: 'Hi' }, { text: '!' }, { toolCall: { id: 'call_1', name: 'read', arguments: '{"p":1}' } }], usage: { inputTokens: 9, outputTokens: 4, cachedInputTokens: 2, reasoningTokens: 1 } });
    const text = await (await post(upstream, {})).text();
    assert.deepEqual(eventTypes(text), [
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.reasoning_summary_part.added', 'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
      'response.function_call_arguments.done', 'response.output_item.done', 'response.completed',
    ]);
    const sequence = [...text.matchAll(/"sequence_number":(\d+)/g)].map((match) => Number(match[1]));
    assert.deepEqual(sequence, sequence.map((_, index) => index));
    assert.deepEqual(dataOf(text, 'response.output_item.done').map((data) => data.item.id), ['rs_peer_1_0', 'msg_peer_1_1', 'fc_peer_1_2']);
    assert.deepEqual(dataOf(text, 'response.completed')[0].response.usage, {
      input_tokens: 9, input_tokens_details: { cached_tokens: 2 }, output_tokens: 4, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 13,
    });
  });

  test('reasoning carries encrypted content only when the request includes it', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ reasoning: 'Hm' }] }, { kind: 'stream', chunks: [{ reasoning: 'Hm' }] });
    const plain = dataOf(await (await post(upstream, {})).text(), 'response.output_item.done')[0].item;
    const included = dataOf(await (await post(upstream, { include: ['reasoning.encrypted_content'] })).text(), 'response.output_item.done')[0].item;
    assert.deepEqual([plain.encrypted_content, included.encrypted_content], [undefined, `enc-peer-${upstream.requests.length}-0`]);
  });

  test('refuses, as the API does, references to items it never sent and outputs of calls not in the input', async () => {
    const refusals = [
      await post(upstream, { input: [{ type: 'item_reference', id: 'msg_nowhere' }] }),
      await post(upstream, { input: [{ role: 'user', content: 'x' }, { type: 'function_call_output', call_id: 'call_zz', output: 'x' }] }),
      await post(upstream, { input: [{ type: 'reasoning', id: 'rs_x', encrypted_content: 'forged', summary: [] }] }),
    ];
    const messages = await Promise.all(refusals.map(async (response) => [response.status, ((await response.json()) as { error: { message: string } }).error.message]));
    assert.deepEqual(messages, [
      [400, "fake upstream: Item with id 'msg_nowhere' not found."],
      [400, 'fake upstream: No tool call found for function call output with call_id call_zz.'],
      [400, "fake upstream: Item 'rs_x' of type 'reasoning' was provided without valid encrypted content."],
    ]);
  });

  test('a length stop ends with response.incomplete; an error mid-stream is an error event', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'cut' }], finishReason: 'length' }, { kind: 'stream', chunks: [{ text: 'a' }], errorAfter: { chunks: 1, message: 'Boom' } });
    assert.equal(dataOf(await (await post(upstream, {})).text(), 'response.incomplete')[0].response.incomplete_details.reason, 'max_output_tokens');
    const failed = await (await post(upstream, {})).text();
    assert.deepEqual(dataOf(failed, 'error').map(({ code, message, param }) => ({ code, message, param })), [{ code: 'server_error', message: 'Boom', param: null }]);
  });
});
