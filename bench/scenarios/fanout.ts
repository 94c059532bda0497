/**
 * Scenario 2, fan-out: one conversation streaming at the nominal rate, watched by 1, 100 and 1000
 * clients (each its own connection). Per size: tokens/s delivered in the steady state, latency,
 * server CPU per 1000 delivered tokens, peak RSS.
 */
import type { Percentiles } from '../measure/latency-histogram.ts';
import { roundPercentiles } from './capacity.ts';
import { forEachTarget, round, type PerTarget, type ScenarioContext } from './scenario.ts';
import { mb, runStreams, sleep } from './stream-run.ts';

export type FanoutPoint = {
  watchers: number;
  connected: number;
  offeredPerSecond: number;
  deliveredPerSecond: number;
  deliveredRatio: number;
  latencyMs: Percentiles;
  cpuMsPer1000Tokens: number;
  peakRssMb: number;
  errors: string[];
};

export function runFanout(context: ScenarioContext): Promise<PerTarget<FanoutPoint[]>> {
  const { params } = context.options;
  return forEachTarget(context, 'fanout', async (target) => {
    const points: FanoutPoint[] = [];
    for (const watchers of params.fanout.sizes) {
      const run = await runStreams(target, context.upstream, {
        conversations: 1,
        watchersEach: watchers,
        tokens: params.fanout.tokens,
        rate: params.rate,
        tokenSize: params.tokenSize,
        rampMs: 0,
        slackMs: params.capacity.slackMs,
        collectText: false,
        clients: context.options.clients,
        prefix: `fan${watchers}`,
      });
      const point: FanoutPoint = {
        watchers,
        connected: run.connected,
        offeredPerSecond: run.offeredPerSecond,
        deliveredPerSecond: round(run.deliveredPerSecond, 0),
        deliveredRatio: round(run.deliveredRatio, 4),
        latencyMs: roundPercentiles(run.latency),
        cpuMsPer1000Tokens: run.report.tokens > 0 ? round((run.serverCpuMs / run.report.tokens) * 1000, 2) : 0,
        peakRssMb: mb(run.peakRssBytes),
        errors: [...run.connectErrors, ...run.report.errors].slice(0, 5),
      };
      points.push(point);
      context.log(`  ${target.name} ${watchers} watchers: ${point.deliveredPerSecond}/${point.offeredPerSecond} tok/s, p50 ${point.latencyMs.p50} p99 ${point.latencyMs.p99} ms, ${point.cpuMsPer1000Tokens} CPU-ms/1000 tok`);
      await sleep(300);
    }
    return points;
  });
}
