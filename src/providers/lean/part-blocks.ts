import type { ProviderMetadata, Usage } from '../../domain/schemas.ts';
import { parseToolInput } from '../ai-sdk/from-ai-sdk-stream.ts';
import { mergeByProvider } from '../provider-metadata.ts';
import type { StepFinishReason, StreamPart } from '../stream-part.ts';

/**
 * The block rules of `createStreamPartMapper` (the AI SDK path), for readers that make our parts
 * directly: a text or reasoning block starts with its first non-empty delta; metadata from its
 * start, deltas and end is gathered and goes out with its end; a block with metadata but no text
 * (redacted thinking) still becomes a start and an end. Blocks are keyed by kind and id.
 */
export class PartBlocks {
  readonly #out: StreamPart[];
  readonly #text = new Map<string, Block>();
  readonly #reasoning = new Map<string, Block>();

  constructor(out: StreamPart[]) {
    this.#out = out;
  }

  /** A block's start, as the provider announced it (nothing goes out until text or its end). */
  start(kind: BlockKind, id: string, metadata?: ProviderMetadata): void {
    const block = this.#block(kind, id);
    if (metadata !== undefined) block.metadata = mergeByProvider(block.metadata, metadata);
  }

  delta(kind: BlockKind, id: string, text: string, metadata?: ProviderMetadata): void {
    const block = this.#block(kind, id);
    if (metadata !== undefined) block.metadata = mergeByProvider(block.metadata, metadata);
    if (text === '') return;
    if (!block.started) {
      block.started = true;
      this.#out.push(kind === 'text' ? { type: 'text-start', id } : { type: 'reasoning-start', id });
    }
    this.#out.push(kind === 'text' ? { type: 'text-delta', id, delta: text } : { type: 'reasoning-delta', id, delta: text });
  }

  end(kind: BlockKind, id: string, metadata?: ProviderMetadata): void {
    const blocks = kind === 'text' ? this.#text : this.#reasoning;
    const block = blocks.get(id);
    blocks.delete(id);
    const providerMetadata = mergeByProvider(block?.metadata, metadata);
    if (!block?.started && providerMetadata === undefined) return;
    if (!block?.started) this.#out.push(kind === 'text' ? { type: 'text-start', id } : { type: 'reasoning-start', id });
    const withMetadata = providerMetadata === undefined ? {} : { providerMetadata };
    this.#out.push(kind === 'text' ? { type: 'text-end', id, ...withMetadata } : { type: 'reasoning-end', id, ...withMetadata });
  }

  /** A complete tool call; `input` is the raw JSON text the provider streamed. */
  toolCall(toolCallId: string, toolName: string, input: string, metadata?: ProviderMetadata): void {
    const providerMetadata = mergeByProvider(undefined, metadata);
    this.#out.push({ type: 'tool-call', toolCallId, toolName, input: parseToolInput(input), ...(providerMetadata === undefined ? {} : { providerMetadata }) });
  }

  finish(finishReason: StepFinishReason, usage: Usage | undefined): void {
    this.#out.push({ type: 'finish', finishReason, usage });
  }

  #block(kind: BlockKind, id: string): Block {
    const blocks = kind === 'text' ? this.#text : this.#reasoning;
    let block = blocks.get(id);
    if (block === undefined) {
      block = { started: false, metadata: undefined };
      blocks.set(id, block);
    }
    return block;
  }
}

export type BlockKind = 'text' | 'reasoning';
type Block = { started: boolean; metadata: ProviderMetadata | undefined };

/** Our usage from the totals a provider reported: undefined when it reported neither; zero details left out. */
export function usageOf(input: number | undefined, output: number | undefined, reasoning: number | undefined, cachedInput: number | undefined): Usage | undefined {
  if (input === undefined && output === undefined) return undefined;
  const usage: Usage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  if (reasoning !== undefined && reasoning > 0) usage.reasoningTokens = reasoning;
  if (cachedInput !== undefined && cachedInput > 0) usage.cachedInputTokens = cachedInput;
  return usage;
}
