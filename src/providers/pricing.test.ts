import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtInPricing, computeCost, estimateTokens } from './pricing.ts';

describe('computeCost', () => {
  const pricing = { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3 };

  test('is null when no price is known', () => {
    assert.equal(computeCost({ inputTokens: 1000, outputTokens: 1000 }, undefined), null);
  });

  test('bills input and output per million tokens', () => {
    assert.deepEqual(computeCost({ inputTokens: 1_000_000, outputTokens: 100_000 }, pricing), { amount: 4.5, currency: 'USD', estimated: false });
  });

  test('bills cached input tokens at the cached price and the rest at the input price', () => {
    // 800k uncached * 3 + 200k cached * 0.3 + 0 output = 2.4 + 0.06
    assert.deepEqual(computeCost({ inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 200_000 }, pricing), { amount: 2.46, currency: 'USD', estimated: false });
  });

  test('bills cached input tokens at the input price when there is no cached price', () => {
    const cost = computeCost({ inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 200_000 }, { inputPerMillion: 3, outputPerMillion: 15 });
    assert.equal(cost?.amount, 3);
  });

  test('is marked estimated when the usage is', () => {
    assert.equal(computeCost({ inputTokens: 10, outputTokens: 10, estimated: true }, pricing)?.estimated, true);
  });

  test('rounds away float noise', () => {
    // 0.1 + 0.2 style: 1 token at 0.1/M plus 2 tokens at 0.1/M is 3e-7 exactly, not 3.0000000000000004e-7.
    const cost = computeCost({ inputTokens: 1, outputTokens: 2 }, { inputPerMillion: 0.1, outputPerMillion: 0.1 });
    assert.equal(cost?.amount, 3e-7);
    assert.equal(computeCost({ inputTokens: 1, outputTokens: 0 }, { inputPerMillion: 0.0001, outputPerMillion: 0 })?.amount, 0);
  });

  test('uses the built-in list price for gpt-4o-mini', () => {
    const cost = computeCost({ inputTokens: 2_000_000, outputTokens: 1_000_000 }, builtInPricing['openai/gpt-4o-mini']);
    assert.deepEqual(cost, { amount: 0.9, currency: 'USD', estimated: false });
  });
});

describe('estimateTokens', () => {
  test('is a quarter of the characters, rounded up', () => {
    assert.equal(estimateTokens(''), 0);
    assert.equal(estimateTokens('abc'), 1);
    assert.equal(estimateTokens('abcd'), 1);
    assert.equal(estimateTokens('abcde'), 2);
  });
});
