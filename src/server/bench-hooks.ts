import { monitorEventLoopDelay } from 'node:perf_hooks';
import { z } from 'zod';
import type { HubLimits } from '../engine/hub-options.ts';
import type { SessionHub } from '../engine/session-hub.ts';
import type { Router } from './http/router.ts';
import type { ServerLimits } from './server-limits.ts';

/**
 * Hooks for the benchmark harness (bench/), off unless `CONFAB_BENCH_METRICS=1`:
 * - `GET /v1/debug/metrics` (token required, like all of /v1): event-loop delay percentiles in ms
 *   since the last reset (`?reset=1` resets after reading), the hub's checkpoint transactions and
 *   event-journal transactions (`logWrites`),
 *   memory, and the monotonic clock in microseconds. Without the variable the route does not
 *   exist (404).
 * - `CONFAB_BENCH_LIMITS`, JSON `{ "server": Partial<ServerLimits>, "hub": Partial<HubLimits> }`:
 *   limits for load tests (thousands of sockets on one token, thousands of concurrent runs).
 */
export function benchLimits(env: Record<string, string | undefined>): { server: Partial<ServerLimits>; hub: Partial<HubLimits> } {
  if (env.CONFAB_BENCH_METRICS !== '1' || !env.CONFAB_BENCH_LIMITS) return { server: {}, hub: {} };
  const parsed = JSON.parse(env.CONFAB_BENCH_LIMITS) as { server?: Partial<ServerLimits>; hub?: Partial<HubLimits> };
  return { server: parsed.server ?? {}, hub: parsed.hub ?? {} };
}

const delaySchema = z.object({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number(), mean: z.number() });
const BenchMetricsSchema = z.object({ eventLoopDelayMs: delaySchema, checkpointCommits: z.number(), rssBytes: z.number(), heapUsedBytes: z.number(), monotonicUs: z.number() });

export function addBenchMetricsRoute(router: Router, hub: SessionHub, env: Record<string, string | undefined> = process.env): void {
  if (env.CONFAB_BENCH_METRICS !== '1') return;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // The histogram records whole timer intervals: the delay is what exceeds the 10 ms resolution.
  const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4 - 1000) / 100);
  const spec = {
    method: 'GET',
    path: '/v1/debug/metrics',
    operationId: 'getBenchMetrics',
    tag: 'Server',
    summary: 'Benchmark figures (only with CONFAB_BENCH_METRICS=1): event-loop delay since the last reset, checkpoint commits, memory.',
    query: z.object({ reset: z.literal('1').optional().describe('Reset the event-loop delay histogram after reading.') }),
    responses: { 200: { description: 'The figures.', body: BenchMetricsSchema } },
  } as const;
  router.add(spec, ({ query }) => {
    const memory = process.memoryUsage();
    const body = {
      eventLoopDelayMs: { p50: ms(delay.percentile(50)), p90: ms(delay.percentile(90)), p99: ms(delay.percentile(99)), p999: ms(delay.percentile(99.9)), max: ms(delay.max), mean: ms(delay.mean) },
      checkpointCommits: hub.checkpointCommits,
      logWrites: hub.logWrites,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      // The monotonic clock `--cpu-prof` timestamps use, so a profile can be cut to a time window.
      monotonicUs: Number(process.hrtime.bigint() / 1000n),
    };
    if (query.reset === '1') delay.reset();
    return { status: 200, body };
  });
}
