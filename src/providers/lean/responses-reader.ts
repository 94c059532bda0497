import type { StepFinishReason } from '../stream-part.ts';
import type { ReaderContext, WireReader } from './lean-step-source.ts';
import { openAIStreamError } from './openai-stream-error.ts';
import { PartBlocks, usageOf } from './part-blocks.ts';
import { interruptedError, invalidChunk, isRecord, parseFrame } from './wire-errors.ts';

/**
 * Reads an OpenAI Responses stream as `@ai-sdk/openai` does for what Confab asks for: a `message`
 * item is a text block under its item id; a `reasoning` item is one reasoning block per summary
 * part (`<item id>:<summary index>`); a `function_call` item is a tool call when it is done. Every
 * block carries `{ openai: { itemId } }` (reasoning also its encrypted content), which Confab
 * stores and sends back. `response.completed`/`incomplete` give the finish and usage; `error` and
 * `response.failed` are stream errors (before any output, failures like an HTTP error); the end
 * without a completion is a cut. `store` decides when a summary part ends, as in the package.
 */
export function createResponsesReader(context: ReaderContext, store: boolean): WireReader {
  const blocks = new PartBlocks(context.out);
  const activeItems = new Map<number, string>();
  const reasoning = new Map<string, { encrypted: string | null; parts: Map<number, 'active' | 'can-conclude' | 'concluded'> }>();
  let usage: Record<string, any> | undefined;
  let finishReason: StepFinishReason | undefined;
  let hasFunctionCall = false;
  let hasRefusal = false;
  let failed = false;
  let beforeOutput = true;
  const itemIdOf = (value: Record<string, any>): string => (value.output_index == null ? value.item_id : (activeItems.get(value.output_index) ?? value.item_id));
  const meta = (values: Record<string, unknown>) => ({ openai: values });

  return {
    frame(_event, data) {
      const value = parseFrame(data);
      const type = value.type;
      if (typeof type !== 'string') throw invalidChunk(value, 'type');
      if (type === 'error') throw openAIStreamError(value, beforeOutput, context);
      if (type === 'response.failed') {
        const response = isRecord(value.response) ? value.response : {};
        const incomplete = response.incomplete_details?.reason;
        finishReason = incomplete ? finishReasonOf(incomplete, hasFunctionCall, false) : 'other';
        usage = response.usage ?? undefined;
        if (response.error != null && !failed) {
          failed = true;
          const error = { type: 'response.failed', sequence_number: value.sequence_number, response: { error: response.error, incomplete_details: response.incomplete_details, service_tier: response.service_tier } };
          throw openAIStreamError(error, beforeOutput, context);
        }
        return;
      }
      if (outputEvents.has(type)) beforeOutput = false;
      switch (type) {
        case 'response.output_item.added': {
          const item = value.item;
          if (!isRecord(item) || typeof value.output_index !== 'number') throw invalidChunk(value, 'item');
          if (item.type === 'message') {
            activeItems.set(value.output_index, item.id);
            blocks.start('text', item.id, meta({ itemId: item.id, ...(item.phase != null && { phase: item.phase }) }));
          } else if (item.type === 'reasoning') {
            activeItems.set(value.output_index, item.id);
            reasoning.set(item.id, { encrypted: item.encrypted_content ?? null, parts: new Map([[0, 'active']]) });
            blocks.start('reasoning', `${item.id}:0`, meta({ itemId: item.id, reasoningEncryptedContent: item.encrypted_content ?? null }));
          }
          return;
        }
        case 'response.output_item.done': {
          const item = value.item;
          if (!isRecord(item) || typeof value.output_index !== 'number') throw invalidChunk(value, 'item');
          if (item.type === 'message') {
            const itemId = activeItems.get(value.output_index) ?? item.id;
            blocks.end('text', itemId, meta({ itemId, ...(item.phase != null && { phase: item.phase }) }));
            activeItems.delete(value.output_index);
          } else if (item.type === 'function_call') {
            hasFunctionCall = true;
            const details = { itemId: item.id, ...(item.async != null && { async: item.async }), ...(item.namespace != null && { namespace: item.namespace }) };
            blocks.toolCall(item.call_id, item.name, item.arguments, meta(details));
          } else if (item.type === 'reasoning') {
            const itemId = activeItems.get(value.output_index) ?? item.id;
            const active = reasoning.get(itemId);
            if (active) {
              for (const [index, status] of active.parts) {
                if (status !== 'concluded') blocks.end('reasoning', `${itemId}:${index}`, meta({ itemId, reasoningEncryptedContent: item.encrypted_content ?? null }));
              }
              reasoning.delete(itemId);
            }
            activeItems.delete(value.output_index);
          }
          return;
        }
        case 'response.output_text.delta':
          blocks.delta('text', itemIdOf(value), value.delta);
          return;
        case 'response.refusal.delta':
          hasRefusal = true;
          blocks.delta('text', itemIdOf(value), value.delta);
          return;
        case 'response.refusal.done':
          hasRefusal = true;
          return;
        case 'response.reasoning_summary_part.added': {
          const itemId = itemIdOf(value);
          const active = reasoning.get(itemId);
          if (value.summary_index > 0 && active) {
            active.parts.set(value.summary_index, 'active');
            for (const [index, status] of active.parts) {
              if (status !== 'can-conclude') continue;
              blocks.end('reasoning', `${itemId}:${index}`, meta({ itemId }));
              active.parts.set(index, 'concluded');
            }
            blocks.start('reasoning', `${itemId}:${value.summary_index}`, meta({ itemId, reasoningEncryptedContent: active.encrypted }));
          }
          return;
        }
        case 'response.reasoning_summary_text.delta': {
          const itemId = itemIdOf(value);
          blocks.delta('reasoning', `${itemId}:${value.summary_index}`, value.delta, meta({ itemId }));
          return;
        }
        case 'response.reasoning_summary_part.done': {
          const itemId = itemIdOf(value);
          const active = reasoning.get(itemId);
          if (!active) return;
          if (store) {
            blocks.end('reasoning', `${itemId}:${value.summary_index}`, meta({ itemId }));
            active.parts.set(value.summary_index, 'concluded');
          } else {
            active.parts.set(value.summary_index, 'can-conclude');
          }
          return;
        }
        case 'response.completed':
        case 'response.incomplete': {
          const response = value.response;
          if (!isRecord(response)) throw invalidChunk(value, 'response');
          if (!failed) finishReason = finishReasonOf(response.incomplete_details?.reason, hasFunctionCall, hasRefusal);
          usage = response.usage ?? undefined;
          return;
        }
        default:
          return;
      }
    },

    end() {
      if (finishReason === undefined) throw interruptedError();
      const details = (key: string) => (isRecord(usage?.[key]) ? usage[key] : undefined);
      blocks.finish(
        finishReason,
        usage == null ? undefined : usageOf(usage.input_tokens, usage.output_tokens, details('output_tokens_details')?.reasoning_tokens ?? 0, details('input_tokens_details')?.cached_tokens ?? 0),
      );
    },
  };
}

/** The event types the package models, less the four that are not output (created, in progress, failed, error). */
const outputEvents = new Set([
  'response.apply_patch_call_operation_diff.delta', 'response.apply_patch_call_operation_diff.done', 'response.code_interpreter_call_code.delta',
  'response.code_interpreter_call_code.done', 'response.completed', 'response.custom_tool_call_input.delta', 'response.function_call_arguments.delta',
  'response.function_call_arguments.done', 'response.image_generation_call.partial_image', 'response.incomplete', 'response.output_item.added',
  'response.output_item.done', 'response.output_text.annotation.added', 'response.output_text.delta', 'response.refusal.delta', 'response.refusal.done',
  'response.reasoning_summary_part.added', 'response.reasoning_summary_part.done', 'response.reasoning_summary_text.delta',
]);

function finishReasonOf(reason: string | null | undefined, hasFunctionCall: boolean, hasRefusal: boolean): StepFinishReason {
  switch (reason) {
    case undefined:
    case null:
      return hasFunctionCall ? 'tool-calls' : hasRefusal ? 'content-filter' : 'stop';
    case 'max_output_tokens':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    default:
      return hasFunctionCall ? 'tool-calls' : 'other';
  }
}
