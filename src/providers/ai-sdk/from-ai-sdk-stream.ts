import type { LanguageModelV4FinishReason, LanguageModelV4StreamPart, LanguageModelV4Usage, SharedV4ProviderMetadata } from '@ai-sdk/provider';
import type { ProviderMetadata, Usage } from '../../domain/schemas.ts';
import { mergeByProvider } from '../provider-metadata.ts';
import type { StepFinishReason, StreamPart } from '../stream-part.ts';

/**
 * Maps the AI SDK's stream parts to ours, one part in, zero or more out. Stateful (one mapper per
 * step) for one reason: a text or reasoning block is only started when its first non-empty delta
 * arrives, so the empty block OpenAI opens with (`delta: { role, content: "" }`) and Anthropic's
 * empty signature deltas never become empty parts. Provider metadata on a block's start, deltas
 * and end (Anthropic's thinking `signature` arrives on an empty delta) is gathered and handed on
 * with its end; a block with metadata but no text (Anthropic's redacted thinking) still becomes a
 * part, since the provider needs it back. `error` parts are not handled here: the step source
 * throws on them.
 */
export function createStreamPartMapper(): (part: LanguageModelV4StreamPart) => StreamPart[] {
  const blocks = new Map<string, { started: boolean; metadata: ProviderMetadata | undefined }>();
  const blockOf = (key: string) => {
    let block = blocks.get(key);
    if (!block) {
      block = { started: false, metadata: undefined };
      blocks.set(key, block);
    }
    return block;
  };

  const delta = (kind: 'text' | 'reasoning', id: string, text: string, metadata: SharedV4ProviderMetadata | undefined): StreamPart[] => {
    const block = blockOf(`${kind}:${id}`);
    block.metadata = mergeByProvider(block.metadata, metadata);
    if (text === '') return [];
    const parts: StreamPart[] = [];
    if (!block.started) {
      block.started = true;
      parts.push(kind === 'text' ? { type: 'text-start', id } : { type: 'reasoning-start', id });
    }
    parts.push(kind === 'text' ? { type: 'text-delta', id, delta: text } : { type: 'reasoning-delta', id, delta: text });
    return parts;
  };
  const end = (kind: 'text' | 'reasoning', id: string, metadata: SharedV4ProviderMetadata | undefined): StreamPart[] => {
    const key = `${kind}:${id}`;
    const block = blocks.get(key);
    blocks.delete(key);
    const providerMetadata = mergeByProvider(block?.metadata, metadata);
    if (!block?.started && providerMetadata === undefined) return [];
    const parts: StreamPart[] = [];
    if (!block?.started) parts.push(kind === 'text' ? { type: 'text-start', id } : { type: 'reasoning-start', id });
    const withMetadata = providerMetadata === undefined ? {} : { providerMetadata };
    parts.push(kind === 'text' ? { type: 'text-end', id, ...withMetadata } : { type: 'reasoning-end', id, ...withMetadata });
    return parts;
  };

  return (part) => {
    switch (part.type) {
      case 'text-start':
      case 'reasoning-start':
        return delta(part.type === 'text-start' ? 'text' : 'reasoning', part.id, '', part.providerMetadata);
      case 'text-delta':
        return delta('text', part.id, part.delta, part.providerMetadata);
      case 'text-end':
        return end('text', part.id, part.providerMetadata);
      case 'reasoning-delta':
        return delta('reasoning', part.id, part.delta, part.providerMetadata);
      case 'reasoning-end':
        return end('reasoning', part.id, part.providerMetadata);
      case 'tool-call': {
        const providerMetadata = mergeByProvider(undefined, part.providerMetadata);
        return [{
          type: 'tool-call',
          toolCallId: part.toolCallId,
          toolName: part.toolName,
          input: parseToolInput(part.input),
          ...(part.providerExecuted ? { providerExecuted: true } : {}),
          ...(providerMetadata === undefined ? {} : { providerMetadata }),
        }];
      }
      case 'tool-result':
        // Only provider-executed tools produce results in a model stream.
        return [{ type: 'tool-result', toolCallId: part.toolCallId, toolName: part.toolName, output: part.result, isError: part.isError === true }];
      case 'finish':
        return [{ type: 'finish', finishReason: toFinishReason(part.finishReason), usage: toUsage(part.usage) }];
      default:
        // stream-start, response-metadata, raw, ping, tool-input-*, sources, files, custom parts.
        return [];
    }
  };
}

/** The tool input as JSON; the raw string when it is not valid JSON (the run loop reports that to the model). */
export function parseToolInput(input: string): unknown {
  if (input.trim() === '') return {};
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

export function toFinishReason(reason: LanguageModelV4FinishReason): StepFinishReason {
  switch (reason.unified) {
    case 'stop':
    case 'length':
    case 'content-filter':
    case 'tool-calls':
      return reason.unified;
    default:
      return 'other';
  }
}

/** Undefined when the provider reported no token counts at all. Zero detail counts are left out. */
export function toUsage(usage: LanguageModelV4Usage | undefined): Usage | undefined {
  const input = usage?.inputTokens.total;
  const output = usage?.outputTokens.total;
  if (usage === undefined || (input === undefined && output === undefined)) return undefined;
  const result: Usage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  const reasoning = usage.outputTokens.reasoning;
  if (reasoning !== undefined && reasoning > 0) result.reasoningTokens = reasoning;
  const cached = usage.inputTokens.cacheRead;
  if (cached !== undefined && cached > 0) result.cachedInputTokens = cached;
  return result;
}
