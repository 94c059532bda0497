/**
 * The headline figures: one row per scenario metric, Confab's figure next to each baseline's,
 * and Confab's ratio to each (Confab ÷ baseline; the arrow says which direction is better).
 */
import type { CapacityStep } from '../scenarios/capacity.ts';
import { isError, type PerTarget } from '../scenarios/scenario.ts';
import type { TargetName } from '../targets/target.ts';
import type { BenchResults } from './bench-results.ts';

export type HeadlineRow = {
  scenario: string;
  metric: string;
  better: 'higher' | 'lower' | 'none';
  values: Partial<Record<TargetName, number | string | null>>;
};

function pick<T>(results: PerTarget<T> | undefined, read: (value: T) => number | string | null): HeadlineRow['values'] {
  const values: HeadlineRow['values'] = {};
  for (const [name, value] of Object.entries(results ?? {}) as [TargetName, T | { error: string }][]) {
    values[name] = isError(value) ? null : read(value);
  }
  return values;
}

export function headlineRows(results: BenchResults): HeadlineRow[] {
  const rows: HeadlineRow[] = [];
  const { capacity, fanout, resume, idle, store, overhead, startup } = results;
  if (capacity) {
    const first = results.meta.params.capacity.steps[0];
    const top = results.meta.params.capacity.steps.at(-1)!;
    const atFirst = (read: (step: CapacityStep) => number | null) => pick(capacity, (value) => {
      const step = stepAt(value.steps, first);
      return step ? read(step) : null;
    });
    rows.push(
      { scenario: 'Capacity', metric: `concurrent streams sustained (p99 ≤ ${results.meta.params.capacity.maxP99Ms} ms, all tokens)`, better: 'higher', values: pick(capacity, (value) => (value.sustained >= top ? `≥ ${top}` : value.sustained)) },
      { scenario: 'Capacity', metric: `tokens per server CPU-second, ${first} streams`, better: 'higher', values: atFirst((step) => step.tokensPerCpuSecond) },
      { scenario: 'Capacity', metric: `latency p99 vs schedule, ${first} streams (ms)`, better: 'lower', values: atFirst((step) => step.latencyMs.p99) },
      { scenario: 'Capacity', metric: `peak RSS, ${first} streams (MB)`, better: 'lower', values: atFirst((step) => step.peakRssMb) },
    );
  }
  if (fanout) {
    const size = results.meta.params.fanout.sizes.at(-1)!;
    const at = (read: (point: { deliveredPerSecond: number; latencyMs: { p99: number }; cpuMsPer1000Tokens: number }) => number) =>
      pick(fanout, (points) => {
        const point = points.find((p) => p.watchers === size);
        return point ? read(point) : null;
      });
    rows.push(
      { scenario: 'Fan-out', metric: `tokens/s delivered, ${size} watchers of one stream (offered ${size * results.meta.params.rate})`, better: 'higher', values: at((p) => p.deliveredPerSecond) },
      { scenario: 'Fan-out', metric: `latency p99, ${size} watchers (ms)`, better: 'lower', values: at((p) => p.latencyMs.p99) },
      { scenario: 'Fan-out', metric: `server CPU-ms per 1000 delivered tokens, ${size} watchers`, better: 'lower', values: at((p) => p.cpuMsPer1000Tokens) },
    );
  }
  if (resume) {
    rows.push(
      { scenario: 'Resume', metric: 'catch-up after reconnect, p99 (ms)', better: 'lower', values: pick(resume, (value) => value.catchUpMs.p99) },
      { scenario: 'Resume', metric: 'texts exactly equal to the upstream\'s', better: 'none', values: pick(resume, (value) => `${value.exactTexts}/${value.texts}`) },
    );
  }
  if (idle) rows.push({ scenario: 'Idle', metric: 'memory per idle subscribed connection (KB)', better: 'lower', values: pick(idle, (value) => value.kbPerConnection) });
  if (store) {
    rows.push(
      { scenario: 'Store cost', metric: 'store writes per 1000 streamed tokens', better: 'lower', values: pick(store, (value) => value.writesPer1000Tokens) },
      { scenario: 'Store cost', metric: 'event-loop delay max during the run (ms)', better: 'lower', values: pick(store, (value) => value.eventLoopMaxMs) },
    );
  }
  if (overhead) {
    rows.push({
      scenario: 'Overhead',
      metric: `request to first token, p50 (ms; upstream alone ${overhead.upstream.firstTokenMs.p50})`,
      better: 'lower',
      values: pick(overhead.targets, (value) => value.firstTokenMs.p50),
    });
  }
  if (startup) {
    rows.push({
      scenario: 'Start-up',
      metric: `spawn to listening, fresh data dir, median (ms; bare Node http server ${startup.floor.readyMs.median})`,
      better: 'lower',
      values: pick(startup.targets, (value) => value.readyMs.median),
    });
  }
  return rows;
}

function stepAt<T extends { streams: number }>(steps: T[], streams: number): T | undefined {
  return steps.find((step) => step.streams === streams);
}

/** Confab ÷ baseline as `0.83×`, or `—` when either side has no number. */
export function ratio(confab: number | string | null | undefined, other: number | string | null | undefined): string {
  const a = typeof confab === 'number' ? confab : parseBound(confab);
  const b = typeof other === 'number' ? other : parseBound(other);
  if (a === undefined || b === undefined || b === 0) return '—';
  const value = a / b;
  return `${value >= 10 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(2)}×`;
}

function parseBound(value: string | null | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^≥ (\d+)$/.exec(value);
  return match ? Number(match[1]) : undefined;
}
