/** What every scenario gets from the runner, and the shape of its result. */
import type { BenchOptions } from '../bench-options.ts';
import type { Target, TargetName } from '../targets/target.ts';
import type { UpstreamHandle } from '../upstream/upstream-handle.ts';

export type ScenarioContext = {
  options: BenchOptions;
  upstream: UpstreamHandle;
  workDir: string;
  log(message: string): void;
  /** A fresh instance of the target (each scenario starts its own, so memory does not carry over). */
  startTarget(name: TargetName, extra?: { cpuProfileDir?: string }): Promise<Target>;
};

/** Per target: the scenario's figures, or why there are none. */
export type PerTarget<T> = Partial<Record<TargetName, T | { error: string }>>;

export function isError<T>(value: T | { error: string } | undefined): value is { error: string } {
  return typeof value === 'object' && value !== null && 'error' in value;
}

/** Runs `body` against a fresh instance of each target in turn; a target that fails gets its error recorded. */
export async function forEachTarget<T>(context: ScenarioContext, scenario: string, body: (target: Target) => Promise<T>, skip: Partial<Record<TargetName, string>> = {}): Promise<PerTarget<T>> {
  const results: PerTarget<T> = {};
  for (const name of context.options.targets) {
    if (skip[name]) {
      results[name] = { error: skip[name]! };
      context.log(`  ${name}: n/a (${skip[name]})`);
      continue;
    }
    let target: Target | undefined;
    try {
      target = await context.startTarget(name);
      results[name] = await body(target);
    } catch (error) {
      const message = (error as Error).message?.split('\n').slice(0, 6).join(' | ') ?? String(error);
      results[name] = { error: message };
      context.log(`  ${name}: ${scenario} failed: ${message}`);
    } finally {
      await target?.stop().catch(() => {});
    }
  }
  return results;
}

export const round = (value: number, digits = 1) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
