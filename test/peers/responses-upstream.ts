/**
 * A fake OpenAI Responses API upstream: `POST /v1/responses` with `stream: true`, answered with
 * server-sent events framed like api.openai.com (`event: <type>` and `data: {"type", "sequence_number", …}`):
 *
 *   response.created, response.in_progress            {response: {id, object, created_at, status, model, output: [], usage: null}}
 *   reasoning item:  output_item.added {item: {id: "rs_…", type: "reasoning", summary: []}}, reasoning_summary_part.added,
 *                    reasoning_summary_text.delta (one per chunk), reasoning_summary_text.done, reasoning_summary_part.done,
 *                    output_item.done {item: {…, summary: [{type: "summary_text", text}], encrypted_content?}}
 *   message item:    output_item.added {item: {id: "msg_…", type: "message", status, role, content: []}}, content_part.added,
 *                    output_text.delta (one per chunk), output_text.done, content_part.done, output_item.done
 *   function call:   output_item.added {item: {id: "fc_…", type: "function_call", call_id, name, arguments: ""}},
 *                    function_call_arguments.delta (2–3 pieces), function_call_arguments.done, output_item.done
 *   response.completed {response: {…, status: "completed", usage: {input_tokens, input_tokens_details: {cached_tokens},
 *                       output_tokens, output_tokens_details: {reasoning_tokens}, total_tokens}}}
 *
 * - Consecutive `{ text }` chunks share one message item, consecutive `{ reasoning }` chunks one
 *   reasoning item (one summary part). Item ids are `<prefix>_peer_<request>_<output index>`.
 * - finishReason 'length' ends with `response.incomplete` (`incomplete_details.reason: "max_output_tokens"`).
 * - Reasoning items carry `encrypted_content` (`enc-peer-<request>-<index>`) only when the request
 *   asked for it (`include: ["reasoning.encrypted_content"]`), as the API does.
 * - Requests are checked as the API checks them: every `item_reference` must name an item this peer
 *   sent (the API's store), every reasoning item sent back in full must carry encrypted content it
 *   issued, and every `function_call_output` needs the `function_call` with its `call_id` earlier in
 *   `input`. Refusals are 400 `invalid_request_error`, worded like the API's.
 * - In-stream error (`errorAfter`): `event: error` with `{type: "error", code, message, param: null}`.
 * - Error responses: `{ "error": { "message", "type", "param": null, "code" } }`, as the chat peer.
 */
import { openAIDialect } from './openai-upstream.ts';
import { splitIntoPieces, startScriptedUpstream, type FakeUpstream, type UpstreamDialect, type UpstreamOptions } from './upstream-script.ts';

export async function startResponsesUpstream(options: UpstreamOptions = {}): Promise<FakeUpstream> {
  return startScriptedUpstream(responsesDialect(), options);
}

export function responsesDialect(): UpstreamDialect {
  const issued = new Set<string>();
  /** Function call item id → its call_id, for references to calls. */
  const callIds = new Map<string, string>();
  return {
    path: '/v1/responses',

    validate(body) {
      if (body.stream !== true) return 'this peer only speaks streaming: send "stream": true';
      if (typeof body.model !== 'string') return "Missing required parameter: 'model'.";
      if (!Array.isArray(body.input) || body.input.length === 0) return "Invalid 'input': expected a non-empty array.";
      const calls = new Set<string>();
      for (const item of body.input) {
        if (item.type === 'item_reference' && !issued.has(item.id)) return `Item with id '${item.id}' not found.`;
        if (item.type === 'reasoning' && !issued.has(`enc:${item.encrypted_content}`)) return `Item '${item.id}' of type 'reasoning' was provided without valid encrypted content.`;
        if (item.type === 'function_call') calls.add(item.call_id);
        if (item.type === 'item_reference' && callIds.has(item.id)) calls.add(callIds.get(item.id)!);
        if (item.type === 'function_call_output' && !calls.has(item.call_id)) return `No tool call found for function call output with call_id ${item.call_id}.`;
      }
      return undefined;
    },

    errorBody: openAIDialect.errorBody,

    openStream({ body, finishReason, usage, requestNumber }) {
      let sequence = 0;
      const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
      const created = Math.floor(Date.now() / 1000);
      const id = `resp_peer_${requestNumber}`;
      const response = (status: string, extra: Record<string, unknown> = {}) => ({ id, object: 'response', created_at: created, status, model: body.model, output: [], usage: null, ...extra });
      const encrypted = Array.isArray(body.include) && body.include.includes('reasoning.encrypted_content');
      let outputIndex = 0;
      let open: { kind: 'text' | 'reasoning'; index: number; id: string; text: string } | undefined;

      const close = (): string[] => {
        if (!open) return [];
        const { kind, index, id: itemId, text } = open;
        open = undefined;
        issued.add(itemId);
        if (kind === 'text') {
          const part = { type: 'output_text', text, annotations: [] };
          return [
            event('response.output_text.done', { item_id: itemId, output_index: index, content_index: 0, text, logprobs: [] }),
            event('response.content_part.done', { item_id: itemId, output_index: index, content_index: 0, part }),
            event('response.output_item.done', { output_index: index, item: { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [part] } }),
          ];
        }
        const encryptedContent = encrypted ? `enc-peer-${requestNumber}-${index}` : undefined;
        if (encryptedContent) issued.add(`enc:${encryptedContent}`);
        const summary = { type: 'summary_text', text };
        return [
          event('response.reasoning_summary_text.done', { item_id: itemId, output_index: index, summary_index: 0, text }),
          event('response.reasoning_summary_part.done', { item_id: itemId, output_index: index, summary_index: 0, part: summary }),
          event('response.output_item.done', { output_index: index, item: { id: itemId, type: 'reasoning', summary: [summary], ...(encryptedContent && { encrypted_content: encryptedContent }) } }),
        ];
      };
      const ensureOpen = (kind: 'text' | 'reasoning'): string[] => {
        if (open?.kind === kind) return [];
        const frames = close();
        const index = outputIndex++;
        const itemId = `${kind === 'text' ? 'msg' : 'rs'}_peer_${requestNumber}_${index}`;
        open = { kind, index, id: itemId, text: '' };
        if (kind === 'text') {
          frames.push(event('response.output_item.added', { output_index: index, item: { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] } }));
          frames.push(event('response.content_part.added', { item_id: itemId, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
        } else {
          frames.push(event('response.output_item.added', { output_index: index, item: { id: itemId, type: 'reasoning', summary: [] } }));
          frames.push(event('response.reasoning_summary_part.added', { item_id: itemId, output_index: index, summary_index: 0, part: { type: 'summary_text', text: '' } }));
        }
        return frames;
      };

      return {
        start: () => [event('response.created', { response: response('in_progress') }), event('response.in_progress', { response: response('in_progress') })],
        chunk(chunk) {
          if ('text' in chunk) {
            const frames = ensureOpen('text');
            open!.text += chunk.text;
            frames.push(event('response.output_text.delta', { item_id: open!.id, output_index: open!.index, content_index: 0, delta: chunk.text, logprobs: [] }));
            return frames;
          }
          if ('reasoning' in chunk) {
            const frames = ensureOpen('reasoning');
            open!.text += chunk.reasoning;
            frames.push(event('response.reasoning_summary_text.delta', { item_id: open!.id, output_index: open!.index, summary_index: 0, delta: chunk.reasoning }));
            return frames;
          }
          if ('redactedThinking' in chunk) throw new Error('fake upstream: redactedThinking is Anthropic-only; the Responses wire has no such thing');
          const frames = close();
          const index = outputIndex++;
          const { id: callId, name, arguments: args } = chunk.toolCall;
          const item = { id: `fc_peer_${requestNumber}_${index}`, type: 'function_call', call_id: callId, name, arguments: '' };
          issued.add(item.id);
          callIds.set(item.id, callId);
          frames.push(event('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress' } }));
          for (const piece of splitIntoPieces(args)) frames.push(event('response.function_call_arguments.delta', { item_id: item.id, output_index: index, delta: piece }));
          frames.push(event('response.function_call_arguments.done', { item_id: item.id, output_index: index, arguments: args }));
          frames.push(event('response.output_item.done', { output_index: index, item: { ...item, arguments: args, status: 'completed' } }));
          return frames;
        },
        error: (message, type) => [...close(), event('error', { code: type ?? 'server_error', message, param: null })],
        finish() {
          const cached = usage.cachedInputTokens ?? 0;
          const usageBody = {
            input_tokens: usage.inputTokens,
            input_tokens_details: { cached_tokens: cached },
            output_tokens: usage.outputTokens,
            output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
            total_tokens: usage.inputTokens + usage.outputTokens,
          };
          const done = finishReason === 'length'
            ? event('response.incomplete', { response: response('incomplete', { incomplete_details: { reason: 'max_output_tokens' }, usage: usageBody }) })
            : event('response.completed', { response: response('completed', { incomplete_details: null, usage: usageBody }) });
          return [...close(), done];
        },
      };
    },
  };
}
