/**
 * A fake OpenAI chat-completions upstream: `POST /v1/chat/completions` with `stream: true`,
 * answered with server-sent events framed exactly like api.openai.com:
 *
 *   data: {"id":"chatcmpl-peer-1","object":"chat.completion.chunk","created":…,"model":"<request model>",
 *          "system_fingerprint":"fp_confab_peer","choices":[{"index":0,"delta":{…},"logprobs":null,"finish_reason":null}]}
 *
 * - First frame: `delta: { role: "assistant", content: "", refusal: null }` (as OpenAI sends it).
 * - `{ text }` → `delta.content`; `{ reasoning }` → `delta.reasoning_content` (the field DeepSeek,
 *   vLLM, llama.cpp and other OpenAI-compatible servers use); `{ toolCall }` → a
 *   `tool_calls: [{ index, id, type: "function", function: { name, arguments: "" } }]` frame, then the
 *   arguments in 2–3 frames carrying only `{ index, function: { arguments } }`. Indices count from 0.
 * - Last: a frame with empty `delta` and `finish_reason`; then, only when the request asked for
 *   `stream_options: { include_usage: true }`, the usage frame with `choices: []` (every earlier frame
 *   then carries `"usage": null`, as OpenAI does); then `data: [DONE]`.
 * - In-stream error (`errorAfter`): `data: {"error":{"message","type":"server_error","param":null,"code":null}}`,
 *   then the response ends.
 * - Error responses: `{ "error": { "message", "type", "param": null, "code" } }` with the status and
 *   headers given; `type` (e.g. 'insufficient_quota') is used as both type and code when scripted.
 *
 * The scripting API (enqueue, requests, hold/drop/error, release, abortedCount) is in `upstream-script.ts`.
 */
import { splitIntoPieces, startScriptedUpstream, type FakeUpstream, type UpstreamDialect, type UpstreamOptions } from './upstream-script.ts';

export async function startOpenAIUpstream(options: UpstreamOptions = {}): Promise<FakeUpstream> {
  return startScriptedUpstream(openAIDialect, options);
}

const errorDefaults: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

export const openAIDialect: UpstreamDialect = {
  path: '/v1/chat/completions',

  validate(body) {
    if (body.stream !== true) return 'this peer only speaks streaming: send "stream": true';
    if (typeof body.model !== 'string') return '"model" must be a string';
    if (!Array.isArray(body.messages) || body.messages.length === 0) return '"messages" must be a non-empty array';
    return undefined;
  },

  errorBody(status, message, type) {
    const defaults = errorDefaults[status] ?? { type: 'server_error', code: null };
    return { error: { message, type: type ?? defaults.type, param: null, code: type ?? defaults.code } };
  },

  openStream({ body, finishReason, usage, requestNumber }) {
    const includeUsage = body.stream_options?.include_usage === true;
    const id = `chatcmpl-peer-${requestNumber}`;
    const created = Math.floor(Date.now() / 1000);
    let toolIndex = 0;
    const frame = (choices: unknown[], usageValue: unknown = null) =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: body.model,
        system_fingerprint: 'fp_confab_peer',
        choices,
        ...(includeUsage ? { usage: usageValue } : {}),
      })}\n\n`;
    const delta = (value: Record<string, unknown>, finish: string | null = null) =>
      frame([{ index: 0, delta: value, logprobs: null, finish_reason: finish }]);

    return {
      start: () => [delta({ role: 'assistant', content: '', refusal: null })],
      chunk(chunk) {
        if ('text' in chunk) return [delta({ content: chunk.text })];
        if ('reasoning' in chunk) return [delta({ reasoning_content: chunk.reasoning })];
        if ('redactedThinking' in chunk) throw new Error('fake upstream: redactedThinking is Anthropic-only; the chat-completions wire has no such thing');
        const index = toolIndex++;
        const { id: callId, name, arguments: args } = chunk.toolCall;
        return [
          delta({ tool_calls: [{ index, id: callId, type: 'function', function: { name, arguments: '' } }] }),
          ...splitIntoPieces(args).map((piece) => delta({ tool_calls: [{ index, function: { arguments: piece } }] })),
        ];
      },
      error: (message, type) => [`data: ${JSON.stringify({ error: { message, type: type ?? 'server_error', param: null, code: null } })}\n\n`],
      finish() {
        const frames = [delta({}, finishReason)];
        if (includeUsage) {
          frames.push(
            frame([], {
              prompt_tokens: usage.inputTokens,
              completion_tokens: usage.outputTokens,
              total_tokens: usage.inputTokens + usage.outputTokens,
              prompt_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0, audio_tokens: 0 },
              completion_tokens_details: {
                reasoning_tokens: usage.reasoningTokens ?? 0,
                audio_tokens: 0,
                accepted_prediction_tokens: 0,
                rejected_prediction_tokens: 0,
              },
            }),
          );
        }
        frames.push('data: [DONE]\n\n');
        return frames;
      },
    };
  },
};
