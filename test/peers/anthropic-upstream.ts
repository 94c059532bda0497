/**
 * A fake Anthropic Messages upstream: `POST /v1/messages` with `stream: true`, answered with
 * server-sent events framed exactly like api.anthropic.com (`event: <type>` and `data: <json>` lines):
 *
 *   message_start {message: {id, type:"message", role:"assistant", model, content:[], stop_reason:null,
 *                  usage: {input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens:1}}}
 *   ping
 *   content_block_start {index, content_block: {type:"text", text:""} | {type:"thinking", thinking:"", signature:""}
 *                        | {type:"redacted_thinking", data} | {type:"tool_use", id, name, input:{}}}
 *   content_block_delta {index, delta: text_delta | thinking_delta | signature_delta | input_json_delta}
 *   content_block_stop {index}
 *   message_delta {delta: {stop_reason, stop_sequence:null}, usage: {output_tokens}}
 *   message_stop
 *
 * - Consecutive `{ text }` chunks share one text block, consecutive `{ reasoning }` chunks one thinking
 *   block (closed with a `signature_delta`, as the API does); each `{ toolCall }` is its own tool_use
 *   block: an empty `input_json_delta` first (as the API sends), then the arguments in 2–3 pieces.
 *   `{ redactedThinking: data }` is a `redacted_thinking` block (start and stop, no deltas).
 * - Requests are checked as the API checks them with extended thinking: every `thinking` block sent
 *   back must carry a signature this peer issued (`sig-peer-<request>-<index>`) and every
 *   `redacted_thinking` block data it sent; with `thinking` enabled, an assistant message that
 *   ends in `tool_use` answered by the final user message must start with a thinking block.
 *   Both refusals are 400 `invalid_request_error`, worded like the API's.
 * - finishReason 'stop' → `end_turn`, 'length' → `max_tokens`, 'tool_calls' → `tool_use`.
 * - Usage: `input_tokens` is the uncached part; `cachedInputTokens` goes to `cache_read_input_tokens`,
 *   so the AI SDK's input total equals the scripted `inputTokens`. `reasoningTokens`, when scripted,
 *   is sent as `usage.output_tokens_details.thinking_tokens`, which the AI SDK reads.
 * - In-stream error (`errorAfter`): `event: error` with `{type:"error", error:{type:"api_error", message}}`.
 * - Error responses: `{type:"error", error:{type, message}}`; the type follows the status
 *   (401 authentication_error, 429 rate_limit_error, 529 overloaded_error, …) unless scripted.
 *
 * The scripting API (enqueue, requests, hold/drop/error, release, abortedCount) is in `upstream-script.ts`.
 */
import { splitIntoPieces, startScriptedUpstream, type FakeUpstream, type UpstreamDialect, type UpstreamOptions } from './upstream-script.ts';

export async function startAnthropicUpstream(options: UpstreamOptions = {}): Promise<FakeUpstream> {
  return startScriptedUpstream(anthropicDialect(), options);
}

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const stopReasons = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' } as const;

export function anthropicDialect(): UpstreamDialect {
  /** What this peer handed out, as the real API can verify what it signed. */
  const issued = new Set<string>();
  return {
    path: '/v1/messages',

    validate(body) {
      if (body.stream !== true) return 'this peer only speaks streaming: send "stream": true';
      if (typeof body.model !== 'string') return 'model: Field required';
      if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
      if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
      return validateThinking(body, issued);
    },

    errorBody(status, message, type) {
      return { type: 'error', error: { type: type ?? errorTypes[status] ?? 'api_error', message } };
    },

    openStream({ body, finishReason, usage, requestNumber }) {
      const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
      let nextIndex = 0;
      let open: { kind: 'text' | 'thinking'; index: number } | undefined;
      const close = (): string[] => {
        if (!open) return [];
        const frames: string[] = [];
        if (open.kind === 'thinking') {
          const signature = `sig-peer-${requestNumber}-${open.index}`;
          issued.add(signature);
          frames.push(event('content_block_delta', { index: open.index, delta: { type: 'signature_delta', signature } }));
        }
        frames.push(event('content_block_stop', { index: open.index }));
        open = undefined;
        return frames;
      };
      const ensureOpen = (kind: 'text' | 'thinking'): string[] => {
        if (open?.kind === kind) return [];
        const frames = close();
        open = { kind, index: nextIndex++ };
        const block = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
        frames.push(event('content_block_start', { index: open.index, content_block: block }));
        return frames;
      };
      const cached = usage.cachedInputTokens ?? 0;

      return {
        start: () => [
          event('message_start', {
            message: {
              id: `msg_peer_${requestNumber}`,
              type: 'message',
              role: 'assistant',
              model: body.model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: usage.inputTokens - cached, cache_creation_input_tokens: 0, cache_read_input_tokens: cached, output_tokens: 1 },
            },
          }),
          event('ping', {}),
        ],
        chunk(chunk) {
          if ('text' in chunk) {
            return [...ensureOpen('text'), event('content_block_delta', { index: open!.index, delta: { type: 'text_delta', text: chunk.text } })];
          }
          if ('reasoning' in chunk) {
            return [...ensureOpen('thinking'), event('content_block_delta', { index: open!.index, delta: { type: 'thinking_delta', thinking: chunk.reasoning } })];
          }
          if ('redactedThinking' in chunk) {
            const frames = close();
            const index = nextIndex++;
            issued.add(`redacted:${chunk.redactedThinking}`);
            frames.push(event('content_block_start', { index, content_block: { type: 'redacted_thinking', data: chunk.redactedThinking } }));
            frames.push(event('content_block_stop', { index }));
            return frames;
          }
          const frames = close();
          const index = nextIndex++;
          const { id, name, arguments: args } = chunk.toolCall;
          frames.push(event('content_block_start', { index, content_block: { type: 'tool_use', id, name, input: {} } }));
          for (const piece of ['', ...splitIntoPieces(args)]) {
            frames.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }));
          }
          frames.push(event('content_block_stop', { index }));
          return frames;
        },
        error: (message, type) => [event('error', { error: { type: type ?? 'api_error', message } })],
        finish: () => [
          ...close(),
          event('message_delta', {
            delta: { stop_reason: stopReasons[finishReason], stop_sequence: null },
            usage: {
              output_tokens: usage.outputTokens,
              ...(usage.reasoningTokens !== undefined ? { output_tokens_details: { thinking_tokens: usage.reasoningTokens } } : {}),
            },
          }),
          event('message_stop', {}),
        ],
      };
    },
  };
}

/** The API's checks on thinking blocks sent back (see the header). */
function validateThinking(body: any, issued: Set<string>): string | undefined {
  const messages: any[] = body.messages;
  for (const [m, message] of messages.entries()) {
    if (message.role !== 'assistant' || !Array.isArray(message.content)) continue;
    for (const [c, block] of message.content.entries()) {
      if (block.type === 'thinking' && !issued.has(block.signature)) return `messages.${m}.content.${c}: Invalid \`signature\` in \`thinking\` block`;
      if (block.type === 'redacted_thinking' && !issued.has(`redacted:${block.data}`)) return `messages.${m}.content.${c}: Invalid \`data\` in \`redacted_thinking\` block`;
    }
  }
  if (body.thinking?.type !== 'enabled') return undefined;
  // The last assistant turn, when the final user message answers its tool calls.
  const last = messages.at(-1);
  const answersTools = last?.role === 'user' && Array.isArray(last.content) && last.content.some((block: any) => block.type === 'tool_result');
  const assistantIndex = messages.length - 2;
  const assistant = messages[assistantIndex];
  if (!answersTools || assistant?.role !== 'assistant' || !Array.isArray(assistant.content)) return undefined;
  const first = assistant.content[0];
  if (first?.type === 'thinking' || first?.type === 'redacted_thinking') return undefined;
  return `messages.${assistantIndex}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns.`;
}
