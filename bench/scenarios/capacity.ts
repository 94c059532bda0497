/**
 * Scenario 1, capacity: N concurrent conversations streaming at the nominal rate, one watcher each,
 * N stepped up until a step saturates (p99 latency over the bound, or tokens not delivered by the
 * deadline, or connections refused); then, in the full run, one step at the midpoint. Every step
 * is bounded by its deadline and (in the full run) gets a fresh server. Per step: delivered
 * tokens/s in the steady state, tokens per server CPU-second, latency against the schedule, peak
 * RSS, event-loop delay.
 */
import type { Percentiles } from '../measure/latency-histogram.ts';
import type { Target } from '../targets/target.ts';
import { forEachTarget, round, type PerTarget, type ScenarioContext } from './scenario.ts';
import { mb, runStreams, sleep, type StreamRun } from './stream-run.ts';

export type CapacityStep = {
  streams: number;
  saturated: boolean;
  reason?: string;
  offeredPerSecond: number;
  deliveredPerSecond: number;
  deliveredRatio: number;
  tokensPerCpuSecond: number;
  latencyMs: Percentiles;
  peakRssMb: number;
  eventLoopP99Ms?: number;
  eventLoopMaxMs?: number;
  serverCpuMs: number;
  clientCpuMs: number;
  upstreamLatenessP99Ms: number;
  errors: string[];
};

export type CapacityResult = { steps: CapacityStep[]; sustained: number };

export function runCapacity(context: ScenarioContext): Promise<PerTarget<CapacityResult>> {
  return forEachTarget(context, 'capacity', async (first) => {
    let target = first;
    try {
      return await stepUp(context, first, async () => {
        // A fresh server per step (the quick run reuses one): memory is this step's, not the sum of all steps.
        await target.stop();
        target = await context.startTarget(first.name);
        return target;
      });
    } finally {
      if (target !== first) await target.stop();
    }
  });
}

/** Steps up until saturation; then at most one step halfway back to the last good one. */
async function stepUp(context: ScenarioContext, first: Target, fresh: () => Promise<Target>): Promise<CapacityResult> {
  const { params } = context.options;
  const steps: CapacityStep[] = [];
  let lastGood = 0;
  let refinements = params.capacity.refine ? 1 : 0;
  const queue = [...params.capacity.steps];
  let target = first;
  while (queue.length > 0) {
    if (steps.length > 0) target = await fresh();
    const step = await capacityStep(context, target, queue.shift()!);
    steps.push(step);
    context.log(`  ${target.name} ${describe(step)}`);
    if (!step.saturated) {
      lastGood = Math.max(lastGood, step.streams);
      continue;
    }
    queue.length = 0;
    const midpoint = Math.round((lastGood + step.streams) / 20) * 10;
    if (refinements > 0 && midpoint > lastGood && midpoint < step.streams && !steps.some((s) => s.streams === midpoint)) {
      refinements--;
      queue.push(midpoint);
    }
  }
  return { steps, sustained: lastGood };
}

export async function capacityStep(context: ScenarioContext, target: Target, streams: number, tokens = context.options.params.capacity.tokens): Promise<CapacityStep> {
  const { params } = context.options;
  const run = await runStreams(target, context.upstream, {
    conversations: streams,
    watchersEach: 1,
    tokens,
    rate: params.rate,
    tokenSize: params.tokenSize,
    rampMs: params.capacity.rampMs,
    slackMs: params.capacity.slackMs,
    collectText: false,
    clients: context.options.clients,
    prefix: `cap${streams}`,
  });
  await sleep(500);
  return toStep(streams, run, params.capacity.maxP99Ms);
}

function toStep(streams: number, run: StreamRun, maxP99Ms: number): CapacityStep {
  const reasons: string[] = [];
  if (run.connected < run.watchers) reasons.push(`${run.watchers - run.connected} of ${run.watchers} watchers could not subscribe`);
  if (run.deliveredRatio < 0.99) reasons.push(`${round(run.deliveredRatio * 100)}% of tokens delivered by the deadline`);
  if (run.latency.p99 > maxP99Ms) reasons.push(`p99 latency ${round(run.latency.p99, 0)} ms > ${maxP99Ms} ms`);
  return {
    streams,
    saturated: reasons.length > 0,
    reason: reasons.length > 0 ? reasons.join('; ') : undefined,
    offeredPerSecond: run.offeredPerSecond,
    deliveredPerSecond: round(run.deliveredPerSecond, 0),
    deliveredRatio: round(run.deliveredRatio, 4),
    tokensPerCpuSecond: run.serverCpuMs > 0 ? round(run.report.tokens / (run.serverCpuMs / 1000), 0) : 0,
    latencyMs: roundPercentiles(run.latency),
    peakRssMb: mb(run.peakRssBytes),
    eventLoopP99Ms: run.metrics.eventLoopDelayMs?.p99,
    eventLoopMaxMs: run.metrics.eventLoopDelayMs?.max,
    serverCpuMs: round(run.serverCpuMs, 0),
    clientCpuMs: round(run.report.clientCpuMs, 0),
    upstreamLatenessP99Ms: round(run.upstreamLatenessP99, 1),
    errors: [...run.connectErrors, ...run.report.errors].slice(0, 5),
  };
}

export function roundPercentiles(p: Percentiles): Percentiles {
  return { count: p.count, mean: round(p.mean, 2), p50: round(p.p50, 1), p90: round(p.p90, 1), p99: round(p.p99, 1), p999: round(p.p999, 1), max: round(p.max, 1) };
}

function describe(step: CapacityStep): string {
  const state = step.saturated ? `SATURATED (${step.reason})` : 'ok';
  return `${step.streams} streams: ${step.deliveredPerSecond}/${step.offeredPerSecond} tok/s, p50 ${step.latencyMs.p50} p99 ${step.latencyMs.p99} ms, ${step.tokensPerCpuSecond} tok/CPU-s, RSS ${step.peakRssMb} MB: ${state}`;
}
