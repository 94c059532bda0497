import { InvalidResponseDataError, type LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { generateId, StreamingToolCallTracker, type StreamingToolCallDelta } from '@ai-sdk/provider-utils';
import type { StepFinishReason } from '../stream-part.ts';
import type { ChatDialect } from './chat-completions-request.ts';
import type { ReaderContext, WireReader } from './lean-step-source.ts';
import { openAIStreamError } from './openai-stream-error.ts';
import { PartBlocks, usageOf } from './part-blocks.ts';
import { interruptedError, invalidChunk, isRecord, parseFrame } from './wire-errors.ts';

/**
 * Reads a chat-completions stream (`data: {chunk}` frames, then `data: [DONE]`) as the AI SDK
 * packages do, in the same two dialects as the request builder: ids `txt-0`/`reasoning-0` and
 * `reasoning_content` (or `reasoning`) read as reasoning for `openai-compatible`; id `0` and no
 * reasoning for `openai`. Text, reasoning and refusals stream as they come; tool calls are
 * correlated by the AI SDK's own `StreamingToolCallTracker` (ids, indices, calls whose name comes
 * late) and come out complete when the stream ends, ordered by index. Usage is taken from whichever
 * frame carries it (OpenAI's last, with empty `choices`). The end without a `finish_reason` is a
 * cut: an invalid response for `openai-compatible`, interrupted for `openai`, as in the packages.
 */
export function createChatReader(dialect: ChatDialect, context: ReaderContext, metadataKey: string): WireReader {
  const compatible = dialect === 'openai-compatible';
  const textId = compatible ? 'txt-0' : '0';
  const reasoningId = 'reasoning-0';
  const blocks = new PartBlocks(context.out);
  const tracker = new StreamingToolCallTracker<ToolCallDelta>(
    {
      enqueue(part: LanguageModelV4StreamPart) {
        if (part.type === 'tool-call') blocks.toolCall(part.toolCallId, part.toolName, part.input, part.providerMetadata as never);
      },
    },
    compatible
      ? { generateId, extractMetadata: (delta) => signatureOf(delta, metadataKey), buildToolCallProviderMetadata: (metadata) => metadata }
      : { generateId, typeValidation: 'if-present' },
  );
  const pending = new Map<number, { id: string | null; args: string; extra: ToolCallDelta['extra_content'] }>();
  const forwarded = new Set<number>();
  let usage: Record<string, any> | undefined;
  let rawFinishReason: string | undefined;
  let hasRefusal = false;
  let activeText = false;
  let activeReasoning = false;
  let sawOutput = false;

  const text = (delta: string) => {
    if (activeReasoning) {
      blocks.end('reasoning', reasoningId);
      activeReasoning = false;
    }
    activeText = true;
    blocks.delta('text', textId, delta);
  };
  const reasoning = (delta: string) => {
    if (activeText) {
      blocks.end('text', textId);
      activeText = false;
    }
    activeReasoning = true;
    blocks.delta('reasoning', reasoningId, delta);
  };
  // openai-compatible: a call's deltas wait until its name is known (some servers send it late).
  const toolCallDelta = (delta: ToolCallDelta) => {
    const index = delta.index;
    if (!compatible || index == null || forwarded.has(index)) return tracker.processDelta(delta);
    let call = pending.get(index);
    if (!call) pending.set(index, (call = { id: delta.id ?? null, args: '', extra: delta.extra_content ?? null }));
    else {
      if (call.id == null && delta.id != null) call.id = delta.id;
      if (call.extra == null && delta.extra_content != null) call.extra = delta.extra_content;
    }
    if (delta.function?.arguments != null) call.args += delta.function.arguments;
    if (delta.function?.name != null) {
      tracker.processDelta({ index, id: call.id, function: { name: delta.function.name, arguments: call.args }, extra_content: call.extra ?? undefined });
      pending.delete(index);
      forwarded.add(index);
    }
  };

  return {
    frame(_event, data) {
      if (data === '[DONE]') return;
      const value = parseFrame(data);
      if ('error' in value) {
        if (!isRecord(value.error) || typeof value.error.message !== 'string') throw invalidChunk(value, 'an error object');
        throw compatible ? value.error : openAIStreamError(value.error, !sawOutput, context);
      }
      const choices = value.choices;
      if (!Array.isArray(choices)) throw invalidChunk(value, 'choices');
      if (value.usage != null) {
        if (!isRecord(value.usage)) throw invalidChunk(value, 'usage');
        usage = value.usage;
      }
      const choice = choices[0];
      if (choice?.finish_reason != null) rawFinishReason = choice.finish_reason;
      if (!sawOutput && !compatible) sawOutput = choices.some(isOutput);
      const delta = choice?.delta;
      if (delta == null) return;
      const content = delta.content;
      if (content != null && typeof content !== 'string' && !(compatible && Array.isArray(content))) throw invalidChunk(value, 'content');
      const toolCalls = delta.tool_calls;
      if (toolCalls != null && !(Array.isArray(toolCalls) && toolCalls.every((call) => isRecord(call) && isRecord(call.function)))) throw invalidChunk(value, 'tool_calls');
      if (compatible) {
        const reasoningText = delta.reasoning_content ?? delta.reasoning;
        if (reasoningText) reasoning(reasoningText);
        if (typeof content === 'string') {
          if (content.length > 0) text(content);
        } else if (Array.isArray(content)) {
          for (const part of content) {
            if (part?.type === 'text' && typeof part.text === 'string' && part.text.length > 0) text(part.text);
            else if (part?.type === 'thinking' && Array.isArray(part.thinking)) {
              const thought = part.thinking.filter((piece: any) => piece?.type === 'text' && typeof piece.text === 'string').map((piece: any) => piece.text).join('');
              if (thought.length > 0) reasoning(thought);
            }
          }
        }
      } else if (typeof content === 'string' && content.length > 0) {
        text(content);
      }
      if (typeof delta.refusal === 'string' && delta.refusal.length > 0) {
        hasRefusal = true;
        text(delta.refusal);
      }
      if (toolCalls != null && toolCalls.length > 0) {
        if (compatible && activeReasoning) {
          blocks.end('reasoning', reasoningId);
          activeReasoning = false;
        }
        for (const call of toolCalls) toolCallDelta(call);
      }
    },

    end() {
      if (activeReasoning) blocks.end('reasoning', reasoningId);
      if (activeText) blocks.end('text', textId);
      for (const [index, call] of pending) tracker.processDelta({ index, id: call.id, function: { arguments: call.args } });
      pending.clear();
      tracker.flush();
      if (rawFinishReason == null) {
        if (compatible) throw new InvalidResponseDataError({ data: undefined, message: 'Response stream ended without a finish reason.' });
        throw interruptedError();
      }
      const details = (key: string) => (isRecord(usage?.[key]) ? usage[key] : undefined);
      blocks.finish(
        finishReasonOf(rawFinishReason, hasRefusal),
        usage === undefined
          ? undefined
          : usageOf(usage.prompt_tokens ?? 0, usage.completion_tokens ?? 0, details('completion_tokens_details')?.reasoning_tokens ?? 0, details('prompt_tokens_details')?.cached_tokens ?? 0),
      );
    },
  };
}

type ToolCallDelta = StreamingToolCallDelta & { extra_content?: { google?: { thought_signature?: string | null } | null } | null };

function signatureOf(delta: ToolCallDelta, metadataKey: string) {
  const signature = delta.extra_content?.google?.thought_signature;
  return signature ? { [metadataKey]: { thoughtSignature: signature } } : undefined;
}

function isOutput(choice: any): boolean {
  const delta = choice?.delta;
  return (
    (typeof delta?.content === 'string' && delta.content.length > 0) ||
    (typeof delta?.refusal === 'string' && delta.refusal.length > 0) ||
    (Array.isArray(delta?.tool_calls) && delta.tool_calls.length > 0) ||
    (Array.isArray(delta?.annotations) && delta.annotations.length > 0)
  );
}

/** The packages' finish-reason map (a refusal turns `stop` into `content-filter`), in our terms. */
function finishReasonOf(reason: string, hasRefusal: boolean): StepFinishReason {
  switch (reason) {
    case 'stop':
      return hasRefusal ? 'content-filter' : 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'function_call':
    case 'tool_calls':
      return 'tool-calls';
    default:
      return 'other';
  }
}
