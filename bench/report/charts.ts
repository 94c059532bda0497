/** One SVG per key scenario, from a run's results: file name → SVG text. */
import { isError } from '../scenarios/scenario.ts';
import type { TargetName } from '../targets/target.ts';
import { targetLabels, type BenchResults } from './bench-results.ts';
import { barChart, lineChart, type Series } from './svg-chart.ts';

/** One colour per system in every chart. */
const systemColors: Record<string, string> = { confab: '#1f77b4', relay: '#ff7f0e', 'ai-sdk': '#2ca02c', langgraph: '#d62728', upstream: '#7f7f7f' };

export function charts(results: BenchResults): Record<string, string> {
  const out: Record<string, string> = {};
  const label = (name: string) => targetLabels[name as TargetName] ?? name;
  const color = (name: string) => systemColors[name];
  const present = <T>(perTarget: Partial<Record<TargetName, T | { error: string }>> | undefined) =>
    Object.entries(perTarget ?? {}).filter((entry): entry is [string, T] => !isError(entry[1]));

  if (results.capacity) {
    const rows = present(results.capacity);
    const series = (read: (step: (typeof rows)[number][1]['steps'][number]) => number): Series[] =>
      rows.map(([name, value]) => ({ name: label(name), color: color(name), points: [...value.steps].sort((a, b) => a.streams - b.streams).map((step) => [step.streams, read(step)] as [number, number]) }));
    out['capacity-latency'] = lineChart({ title: 'Capacity: p99 latency against the schedule', xLabel: 'concurrent streams (50 tokens/s each)', yLabel: 'p99 latency (ms, log)', series: series((step) => Math.max(step.latencyMs.p99, 0.1)), logY: true });
    out['capacity-efficiency'] = lineChart({ title: 'Capacity: tokens delivered per server CPU-second', xLabel: 'concurrent streams', yLabel: 'tokens per CPU-second', series: series((step) => step.tokensPerCpuSecond) });
  }
  if (results.fanout) {
    const rows = present(results.fanout);
    out.fanout = lineChart({
      title: 'Fan-out: p99 latency, one stream, N watchers',
      xLabel: 'watchers',
      yLabel: 'p99 latency (ms, log)',
      series: rows.map(([name, points]) => ({ name: label(name), color: color(name), points: points.map((point) => [point.watchers, Math.max(point.latencyMs.p99, 0.1)] as [number, number]) })),
      logX: true,
      logY: true,
    });
  }
  if (results.resume) {
    const rows = present(results.resume);
    out.resume = barChart({
      title: 'Resume: time to catch up after everyone reconnects',
      yLabel: 'ms',
      groups: [
        { label: 'catch-up p50', bars: rows.map(([name, value]) => ({ name: label(name), color: color(name), value: value.catchUpMs.p50 })) },
        { label: 'catch-up p99', bars: rows.map(([name, value]) => ({ name: label(name), color: color(name), value: value.catchUpMs.p99 })) },
      ],
    });
  }
  if (results.idle) {
    out.idle = barChart({
      title: 'Idle: memory per subscribed WebSocket connection',
      yLabel: 'KB per connection',
      groups: [{ label: `${results.meta.params.idle.connections} idle connections`, bars: present(results.idle).map(([name, value]) => ({ name: label(name), color: color(name), value: value.kbPerConnection })) }],
    });
  }
  if (results.store) {
    const rows = present(results.store);
    out.store = barChart({
      title: 'Store cost: event-loop delay during a moderate load',
      yLabel: 'ms',
      groups: [
        { label: 'event-loop delay p99', bars: rows.map(([name, value]) => ({ name: label(name), color: color(name), value: value.eventLoopP99Ms })) },
        { label: 'event-loop delay max', bars: rows.map(([name, value]) => ({ name: label(name), color: color(name), value: value.eventLoopMaxMs })) },
      ],
    });
  }
  if (results.overhead) {
    const bars = (read: (value: { firstTokenMs: { p50: number; p99: number } }) => number) => [
      { name: 'upstream alone', color: color('upstream'), value: read(results.overhead!.upstream) },
      ...present(results.overhead!.targets).map(([name, value]) => ({ name: label(name), color: color(name), value: read(value) })),
    ];
    out.overhead = barChart({
      title: 'Overhead: request to first token, one stream at a time',
      yLabel: 'ms',
      groups: [
        { label: 'p50', bars: bars((value) => value.firstTokenMs.p50) },
        { label: 'p99', bars: bars((value) => value.firstTokenMs.p99) },
      ],
    });
  }
  return out;
}
