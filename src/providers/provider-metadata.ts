import type { ProviderMetadata } from '../domain/schemas.ts';

/**
 * `over` merged into `base` per provider key, shallowly (`over`'s values win); an empty entry adds
 * nothing. Undefined while neither holds anything. Used for what a provider attaches to a streamed
 * block (gathered over its start, deltas and end) and for the `providerOptions` of a provider and
 * one of its models. Neither argument is changed.
 */
export function mergeByProvider(base: ProviderMetadata | undefined, over: ProviderMetadata | undefined): ProviderMetadata | undefined {
  if (over === undefined) return base;
  let merged = base;
  for (const [provider, values] of Object.entries(over)) {
    if (values === undefined || Object.keys(values).length === 0) continue;
    merged = { ...merged, [provider]: { ...merged?.[provider], ...values } };
  }
  return merged;
}
