import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startOpenAIUpstream } from './openai-upstream.ts';
import type { FakeUpstream } from './upstream-script.ts';

const post = (upstream: FakeUpstream, body: unknown) =>
  fetch(`${upstream.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify(body) });

/** The body with the fields that vary by request (`created`, the per-request `id`) pinned. */
const pinned = async (response: Response) =>
  (await response.text()).replace(/"created":\d+/g, '"created":0').replace(/"id":"chatcmpl-peer-\d+"/g, '"id":"chatcmpl-peer-1"');

const frame = (choices: unknown[], usage?: unknown) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-peer-1',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'gpt-4o-mini',
    system_fingerprint: 'fp_confab_peer',
    choices,
    ...(usage !== undefined ? { usage } : {}),
  })}\n\n`;
const delta = (value: unknown, finish: string | null = null, usage?: unknown) => frame([{ index: 0, delta: value, logprobs: null, finish_reason: finish }], usage);

describe('OpenAI upstream peer', () => {
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startOpenAIUpstream();
  });
  after(() => upstream.close());

  test('streams chat.completion.chunk frames byte for byte, with the usage frame when include_usage is set', async () => {
    upstream.enqueue({
      kind: 'stream',
      chunks: [{ reasoning: 'Hm' }, { text: 'Hi' }, { toolCall: { id: 'call_1', name: 'read', arguments: '{"p":1}' } }],
      usage: { inputTokens: 7, outputTokens: 3, cachedInputTokens: 2 },
    });
    const response = await post(upstream, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const usage = {
      prompt_tokens: 7,
      completion_tokens: 3,
      total_tokens: 10,
      prompt_tokens_details: { cached_tokens: 2, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
    assert.equal(
      await pinned(response),
      [
        delta({ role: 'assistant', content: '', refusal: null }, null, null),
        delta({ reasoning_content: 'Hm' }, null, null),
        delta({ content: 'Hi' }, null, null),
        delta({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'read', arguments: '' } }] }, null, null),
        delta({ tool_calls: [{ index: 0, function: { arguments: '{"p' } }] }, null, null),
        delta({ tool_calls: [{ index: 0, function: { arguments: '":1' } }] }, null, null),
        delta({ tool_calls: [{ index: 0, function: { arguments: '}' } }] }, null, null),
        delta({}, 'tool_calls', null),
        frame([], usage),
        'data: [DONE]\n\n',
      ].join(''),
    );
  });

  test('without include_usage there is no usage field and no usage frame', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hi' }] });
    const body = await pinned(await post(upstream, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true }));
    assert.equal(
      body,
      [delta({ role: 'assistant', content: '', refusal: null }), delta({ content: 'Hi' }), delta({}, 'stop'), 'data: [DONE]\n\n'].join(''),
    );
  });

  test('an error response has the OpenAI error shape, status and headers', async () => {
    upstream.enqueue({ kind: 'error', status: 429, message: 'Rate limit reached', headers: { 'retry-after': '2' } });
    const response = await post(upstream, { model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '2');
    assert.deepEqual(await response.json(), { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
  });

  test('a scripted error type is used as type and code', async () => {
    upstream.enqueue({ kind: 'error', status: 429, type: 'insufficient_quota', message: 'Quota exceeded' });
    const response = await post(upstream, { model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    assert.deepEqual(await response.json(), { error: { message: 'Quota exceeded', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } });
  });

  test('an in-stream error is an error frame, then the response ends', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }], errorAfter: { chunks: 1, message: 'boom' } });
    const body = await (await post(upstream, { model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true })).text();
    assert.ok(body.endsWith('data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}\n\n'));
    assert.ok(!body.includes('[DONE]'));
  });

  test('a request that does not ask for streaming is refused with 400', async () => {
    const before = upstream.requests.length;
    const response = await post(upstream, { model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(response.status, 400);
    assert.match((await response.json()).error.message, /stream/);
    assert.equal(upstream.requests.length, before + 1);
  });
});
