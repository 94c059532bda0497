import { APICallError, InvalidResponseDataError } from '@ai-sdk/provider';
import { createProviderStreamError } from '@ai-sdk/provider-utils';
import type { StepFinishReason } from '../stream-part.ts';
import type { ReaderContext, WireReader } from './lean-step-source.ts';
import { PartBlocks, usageOf } from './part-blocks.ts';
import { interruptedError, invalidChunk, isRecord, parseFrame } from './wire-errors.ts';

/**
 * Reads an Anthropic Messages stream (`event: <type>` + `data: {…}`) as `@ai-sdk/anthropic` does
 * for what Confab asks for: text and thinking blocks stream under their block index as id; a
 * thinking block's `signature_delta` and a `redacted_thinking` block's data go out as provider
 * metadata on the block's end; a `tool_use` block's `input_json_delta`s are joined into one tool
 * call at its stop. `message_stop` finishes with the usage gathered from `message_start` and
 * `message_delta`. An `error` event is a provider stream error; as the very first event it fails
 * like an HTTP error (the API sends overload errors that way). An end before `message_stop` is a cut.
 */
export function createAnthropicReader(context: ReaderContext): WireReader {
  const blocks = new PartBlocks(context.out);
  const open = new Map<number, { kind: 'text' | 'reasoning' } | { kind: 'tool'; id: string; name: string; input: string }>();
  const usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, thinking: undefined as number | undefined, iterations: undefined as any[] | undefined };
  let finishReason: StepFinishReason = 'other';
  let blockType: string | undefined;
  let firstEvent = true;
  let messageOpen = false;
  let messageId: unknown;
  // Output since the last finish: a stream cut after output is interrupted (the package's rule).
  let finished = false;

  return {
    frame(_event, data) {
      const value = parseFrame(data);
      const type = value.type;
      if (type === 'ping') return;
      const first = firstEvent;
      firstEvent = false;
      switch (type) {
        case 'message_start': {
          const message = value.message;
          if (!isRecord(message) || !isRecord(message.usage)) throw invalidChunk(value, 'message');
          if (messageOpen) {
            if (messageId === message.id) return;
            throw new InvalidResponseDataError({ data: value, message: `Received message_start for message ${JSON.stringify(message.id)} while message ${JSON.stringify(messageId)} is still open.` });
          }
          messageOpen = true;
          messageId = message.id;
          usage.input = message.usage.input_tokens;
          usage.cacheRead = message.usage.cache_read_input_tokens ?? 0;
          usage.cacheWrite = message.usage.cache_creation_input_tokens ?? 0;
          if (message.stop_reason != null) finishReason = stopReasonOf(message.stop_reason);
          for (const part of Array.isArray(message.content) ? message.content : []) {
            if (part?.type === 'tool_use') blocks.toolCall(part.id, part.name, JSON.stringify(part.input ?? {}));
          }
          return;
        }
        case 'content_block_start': {
          const block = value.content_block;
          if (!isRecord(block) || typeof value.index !== 'number') throw invalidChunk(value, 'content_block');
          blockType = block.type;
          const id = String(value.index);
          if (block.type === 'text') {
            open.set(value.index, { kind: 'text' });
            blocks.start('text', id);
          } else if (block.type === 'thinking') {
            open.set(value.index, { kind: 'reasoning' });
            blocks.start('reasoning', id);
          } else if (block.type === 'redacted_thinking') {
            open.set(value.index, { kind: 'reasoning' });
            blocks.start('reasoning', id, { anthropic: { redactedData: block.data } });
          } else if (block.type === 'tool_use') {
            const input = isRecord(block.input) && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '';
            open.set(value.index, { kind: 'tool', id: block.id, name: block.name, input });
          }
          return;
        }
        case 'content_block_delta': {
          const delta = value.delta;
          if (!isRecord(delta)) throw invalidChunk(value, 'delta');
          const id = String(value.index);
          if (delta.type === 'text_delta') blocks.delta('text', id, delta.text);
          else if (delta.type === 'thinking_delta') blocks.delta('reasoning', id, delta.thinking);
          else if (delta.type === 'signature_delta') {
            if (blockType === 'thinking') blocks.delta('reasoning', id, '', { anthropic: { signature: delta.signature } });
          } else if (delta.type === 'input_json_delta') {
            const block = open.get(value.index);
            if (block?.kind === 'tool' && delta.partial_json.length > 0) block.input += delta.partial_json;
          }
          return;
        }
        case 'content_block_stop': {
          const block = open.get(value.index);
          if (block) {
            const id = String(value.index);
            if (block.kind === 'tool') blocks.toolCall(block.id, block.name, block.input);
            else blocks.end(block.kind, id);
            open.delete(value.index);
          }
          blockType = undefined;
          return;
        }
        case 'message_delta': {
          const change = value.usage;
          if (!isRecord(change) || !isRecord(value.delta)) throw invalidChunk(value, 'message_delta');
          if (change.input_tokens != null) usage.input = change.input_tokens;
          usage.output = change.output_tokens;
          if (change.output_tokens_details != null) usage.thinking = change.output_tokens_details.thinking_tokens ?? undefined;
          if (change.cache_read_input_tokens != null) usage.cacheRead = change.cache_read_input_tokens;
          if (change.cache_creation_input_tokens != null) usage.cacheWrite = change.cache_creation_input_tokens;
          if (change.iterations != null) usage.iterations = change.iterations;
          finishReason = stopReasonOf(value.delta.stop_reason);
          return;
        }
        case 'message_stop': {
          messageOpen = false;
          messageId = undefined;
          finished = true;
          blocks.finish(finishReason, usageOfAnthropic(usage));
          return;
        }
        case 'error': {
          const error = streamError(value.error);
          if (!first) throw error;
          throw new APICallError({
            message: error.message,
            url: context.url,
            requestBodyValues: context.requestBody,
            statusCode: error.statusCode ?? 500,
            responseHeaders: context.responseHeaders,
            responseBody: JSON.stringify(error.data),
            isRetryable: error.isRetryable ?? false,
          });
        }
        default:
          return;
      }
    },

    end() {
      if (!finished) throw interruptedError();
    },
  };
}

function streamError(error: any) {
  if (!isRecord(error) || typeof error.message !== 'string' || typeof error.type !== 'string') throw invalidChunk(error, 'an error object');
  const inferred = errorMetadata[error.type] ?? {};
  return createProviderStreamError({
    message: error.message,
    type: error.type,
    code: error.code ?? undefined,
    statusCode: error.statusCode ?? inferred.statusCode,
    isRetryable: error.isRetryable ?? inferred.isRetryable,
    data: 'data' in error ? error.data : error,
  });
}

const errorMetadata: Record<string, { statusCode: number; isRetryable: boolean }> = {
  api_error: { statusCode: 500, isRetryable: true },
  overloaded_error: { statusCode: 529, isRetryable: true },
  rate_limit_error: { statusCode: 429, isRetryable: true },
  request_too_large: { statusCode: 413, isRetryable: false },
  authentication_error: { statusCode: 401, isRetryable: false },
  permission_error: { statusCode: 403, isRetryable: false },
  not_found_error: { statusCode: 404, isRetryable: false },
  billing_error: { statusCode: 400, isRetryable: false },
  invalid_request_error: { statusCode: 400, isRetryable: false },
};

function stopReasonOf(reason: unknown): StepFinishReason {
  switch (reason) {
    case 'pause_turn':
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'refusal':
      return 'content-filter';
    case 'tool_use':
      return 'tool-calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    default:
      return 'other';
  }
}

/** `convertAnthropicUsage`: input counts cached reads and writes; with compaction iterations, the executor's sums. */
function usageOfAnthropic(usage: { input: number; output: number; cacheRead: number; cacheWrite: number; thinking: number | undefined; iterations: any[] | undefined }) {
  let { input, output } = usage;
  const executor = usage.iterations?.some((iteration) => iteration.type === 'fallback_message')
    ? []
    : (usage.iterations ?? []).filter((iteration) => iteration.type === 'compaction' || iteration.type === 'message');
  if (executor.length > 0) {
    input = executor.reduce((sum, iteration) => sum + iteration.input_tokens, 0);
    output = executor.reduce((sum, iteration) => sum + iteration.output_tokens, 0);
  }
  return usageOf(input + usage.cacheWrite + usage.cacheRead, output, usage.thinking, usage.cacheRead);
}
