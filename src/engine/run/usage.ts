import type { Cost, Usage } from '../../domain/schemas.ts';

export function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
  const reasoning = (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0);
  const cached = (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0);
  if (reasoning > 0) sum.reasoningTokens = reasoning;
  if (cached > 0) sum.cachedInputTokens = cached;
  if (a.estimated || b.estimated) sum.estimated = true;
  if (a.agentReported || b.agentReported) sum.agentReported = true;
  return sum;
}

/** Sums costs; unknown (null) plus known is the known part. */
export function addCost(a: Cost | null, b: Cost | null): Cost | null {
  if (!a) return b;
  if (!b) return a;
  const sum: Cost = { amount: Math.round((a.amount + b.amount) * 1e9) / 1e9, currency: 'USD', estimated: a.estimated || b.estimated };
  if (a.agentReported || b.agentReported) sum.agentReported = true;
  return sum;
}
