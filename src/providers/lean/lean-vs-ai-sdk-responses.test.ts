/**
 * The differential test (see `lean-vs-ai-sdk.test.ts`) for what only the OpenAI Responses wire
 * has: item ids and encrypted reasoning sent back with and without `store`, summary parts,
 * refusals, `response.failed` and error events in both documented shapes, and the options.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asAssistantContent, bothClients, providerOn, readTool, runBoth } from '../../../test/peers/differential.ts';
import { startResponsesUpstream } from '../../../test/peers/responses-upstream.ts';
import type { FakeUpstream, ScriptChunk, UpstreamResponse } from '../../../test/peers/upstream-script.ts';
import type { PromptMessage } from '../stream-part.ts';

let sequence = 1000;
const event = (type: string, data: Record<string, unknown>): ScriptChunk => ({ raw: `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n` });
const stream = (chunks: ScriptChunk[], extra: Partial<Extract<UpstreamResponse, { kind: 'stream' }>> = {}): UpstreamResponse => ({ kind: 'stream', chunks, ...extra });
const created = event('response.created', { response: { id: 'resp_raw', object: 'response', created_at: 1, status: 'in_progress', model: 'o4-mini', output: [] } });
const openai = (options: Record<string, unknown>) => ({ type: 'openai', api: 'responses', providerOptions: { openai: options } });
const plain = { type: 'openai', api: 'responses' };

describe('lean reader = AI SDK over the Responses API: events', () => {
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startResponsesUpstream();
  });
  after(() => upstream.close());

  const reasoningItem = (summaries: string[]): ScriptChunk[] => [
    event('response.output_item.added', { output_index: 0, item: { id: 'rs_raw', type: 'reasoning', summary: [] } }),
    ...summaries.flatMap((text, index) => [
      event('response.reasoning_summary_part.added', { item_id: 'rs_raw', output_index: 0, summary_index: index, part: { type: 'summary_text', text: '' } }),
      event('response.reasoning_summary_text.delta', { item_id: 'rs_raw', output_index: 0, summary_index: index, delta: text }),
      event('response.reasoning_summary_part.done', { item_id: 'rs_raw', output_index: 0, summary_index: index, part: { type: 'summary_text', text } }),
    ]),
    event('response.output_item.done', { output_index: 0, item: { id: 'rs_raw', type: 'reasoning', summary: [], encrypted_content: 'enc-raw' } }),
  ];
  const scenarios: [string, Record<string, unknown>, UpstreamResponse][] = [
    ['two summary parts of one reasoning item', plain, stream([...reasoningItem(['First.', 'Second.']), { text: 'Done' }])],
    ['two summary parts with store on', openai({ store: true }), stream([...reasoningItem(['First.', 'Second.']), { text: 'Done' }])],
    ['a refusal', plain, stream([event('response.output_item.added', { output_index: 0, item: { id: 'msg_r', type: 'message', role: 'assistant', content: [] } }), event('response.refusal.delta', { item_id: 'msg_r', output_index: 0, content_index: 0, delta: 'No.' }), event('response.refusal.done', { item_id: 'msg_r', output_index: 0, content_index: 0, refusal: 'No.' }), event('response.output_item.done', { output_index: 0, item: { id: 'msg_r', type: 'message', role: 'assistant', content: [] } })])],
    ['a message with a phase', plain, stream([event('response.output_item.added', { output_index: 0, item: { id: 'msg_p', type: 'message', phase: 'commentary', content: [] } }), event('response.output_text.delta', { item_id: 'msg_p', output_index: 0, content_index: 0, delta: 'Hm' }), event('response.output_item.done', { output_index: 0, item: { id: 'msg_p', type: 'message', content: [] } })])],
    ['response.failed after output', plain, stream([{ text: 'a' }, event('response.failed', { response: { error: { code: 'server_error', message: 'Failed.' }, incomplete_details: null } })], { endAfter: 2 })],
    ['response.failed before output', plain, stream([created, event('response.failed', { response: { error: { code: 'rate_limit_exceeded', message: 'Slow down.' } } })], { omitStart: true, endAfter: 2 })],
    ['an error event in the nested shape, before output', plain, stream([created, event('error', { error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'Quota.', param: null } })], { omitStart: true, endAfter: 2 })],
    ['an error event in the documented shape, after output', plain, stream([{ text: 'a' }], { errorAfter: { chunks: 1, message: 'Boom', type: 'server_error' } })],
    ['a length stop is response.incomplete', plain, stream([{ text: 'cut' }], { finishReason: 'length' })],
    ['usage missing from the completion', plain, stream([{ text: 'a' }, event('response.completed', { response: { id: 'r', usage: null } })], { endAfter: 2 })],
  ];
  for (const [name, provider, response] of scenarios) {
    test(name, async () => {
      const { lean, aiSdk } = await runBoth(upstream, bothClients(providerOn(upstream, provider)), 'p/o4-mini', response);
      assert.deepEqual(lean, aiSdk);
    });
  }
});

describe('lean reader = AI SDK over the Responses API: requests and round trips', () => {
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startResponsesUpstream();
  });
  after(() => upstream.close());

  const roundTrip = async (provider: Record<string, unknown>, model: string) => {
    const clients = bothClients(providerOn(upstream, provider));
    const first = await runBoth(upstream, clients, model, stream([{ reasoning: 'Plan.' }, { text: 'Reading.' }, { toolCall: { id: 'call_r', name: 'read', arguments: '{"path":"a"}' } }]), { tools: [readTool] });
    assert.deepEqual(first.lean, first.aiSdk);
    const messages: PromptMessage[] = [
      { role: 'user', text: 'Read a' },
      { role: 'assistant', content: asAssistantContent(first.raw.aiSdk) },
      { role: 'tool', results: [{ toolCallId: 'call_r', toolName: 'read', output: { ok: true }, isError: false }] },
      { role: 'assistant', content: [{ type: 'text', text: 'It is ok.', providerOptions: { openai: { itemId: 'msg_unknown' } } }] },
    ];
    const second = await runBoth(upstream, clients, model, stream([{ text: 'Done.' }]), { system: 'Sys', messages, tools: [readTool] });
    assert.deepEqual(second.lean, second.aiSdk);
    return second;
  };

  test('store on (the default): parts go back as item references, function calls in full', async () => {
    const second = await roundTrip(plain, 'p/o4-mini');
    assert.equal(second.aiSdk.error, undefined);
    const types = (second.aiSdk.request?.body as { input: { type?: string; role?: string }[] }).input.map((item) => item.type ?? item.role);
    assert.deepEqual(types, ['developer', 'user', 'item_reference', 'item_reference', 'function_call', 'function_call_output', 'assistant']);
  });

  test('store off: reasoning goes back with its encrypted content', async () => {
    const second = await roundTrip(openai({ store: false }), 'p/o4-mini');
    assert.equal(second.aiSdk.error, undefined);
  });

  test('a non-reasoning model: text goes back by reference without reasoning', async () => {
    await roundTrip(plain, 'p/gpt-4o');
  });

  const options: [string, Record<string, unknown>, string][] = [
    ['reasoning effort and summary', openai({ reasoningEffort: 'high', reasoningSummary: 'auto' }), 'p/o4-mini'],
    ['reasoning effort none sends no summary', openai({ reasoningEffort: 'none' }), 'p/gpt-5.1'],
    ['reasoning options on a non-reasoning model are dropped', openai({ reasoningEffort: 'low' }), 'p/gpt-4o'],
    ['the plain options', openai({ user: 'u', metadata: { k: 'v' }, parallelToolCalls: true, promptCacheKey: 'c', safetyIdentifier: 's', textVerbosity: 'low', include: ['message.output_text.logprobs'] }), 'p/gpt-4.1'],
  ];
  for (const [name, provider, model] of options) {
    test(name, async () => {
      const { lean, aiSdk } = await runBoth(upstream, bothClients(providerOn(upstream, provider)), model, stream([{ text: 'ok' }]), { system: 'S', tools: [readTool] });
      assert.deepEqual(lean, aiSdk);
    });
  }
});
