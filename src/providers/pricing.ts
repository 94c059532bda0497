import type { Pricing } from '../domain/records.ts';
import type { Cost, Usage } from '../domain/schemas.ts';

export type { Pricing };

/**
 * Public list prices (USD per million tokens) of a few well-known models, as published by the
 * vendors when this table was written. They change: operators override or extend them in the
 * config file (`pricing`, or per declared model), and those entries win over this table.
 * Anthropic bills cache writes at a premium we do not track; cache reads are `cachedInputPerMillion`.
 */
export const builtInPricing: Readonly<Record<string, Pricing>> = {
  'openai/gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25 },
  'openai/gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 },
  'openai/gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8, cachedInputPerMillion: 0.5 },
  'openai/gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6, cachedInputPerMillion: 0.1 },
  'openai/gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4, cachedInputPerMillion: 0.025 },
  'openai/o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4, cachedInputPerMillion: 0.275 },
  'anthropic/claude-sonnet-4-5': { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3 },
  'anthropic/claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5, cachedInputPerMillion: 0.1 },
  'anthropic/claude-opus-4-1': { inputPerMillion: 15, outputPerMillion: 75, cachedInputPerMillion: 1.5 },
};

/**
 * What `usage` costs at `pricing`; null when no price is known. `inputTokens` counts every input
 * token, cached ones included (that is how both OpenAI and the AI SDK's Anthropic usage report it),
 * so cached tokens are taken out of it and billed at the cached price (the input price if none).
 * Reasoning tokens are already part of `outputTokens`.
 */
export function computeCost(usage: Usage, pricing: Pricing | undefined): Cost | null {
  if (pricing === undefined) return null;
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  const amount =
    (uncached * pricing.inputPerMillion +
      cached * (pricing.cachedInputPerMillion ?? pricing.inputPerMillion) +
      usage.outputTokens * pricing.outputPerMillion) /
    1_000_000;
  return { amount: roundUsd(amount), currency: 'USD', estimated: usage.estimated === true };
}

/** Rounds to a billionth of a dollar, which removes float noise such as 0.30000000000000004. */
export function roundUsd(amount: number): number {
  return Math.round(amount * 1e9) / 1e9;
}

/** A rough token count for text the provider did not count for us (about four characters a token). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
