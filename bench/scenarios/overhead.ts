/**
 * Scenario 6, overhead: time from the request that starts a stream (Confab: `POST …/messages`) to
 * its first token at the client, one stream at a time, against the same time measured straight
 * at the upstream (its own first-token time on this machine, the floor for everyone).
 */
import type { Percentiles } from '../measure/latency-histogram.ts';
import type { Target } from '../targets/target.ts';
import { roundPercentiles } from './capacity.ts';
import { forEachTarget, round, type PerTarget, type ScenarioContext } from './scenario.ts';
import { runStreams } from './stream-run.ts';

export type OverheadResult = { sends: number; firstTokenMs: Percentiles; overheadP50Ms: number; errors: string[] };

export async function runOverhead(context: ScenarioContext): Promise<{ upstream: OverheadResult; targets: PerTarget<OverheadResult> }> {
  const upstreamTarget: Target = {
    name: 'relay',
    label: 'upstream (direct)',
    protocol: 'upstream',
    baseUrl: context.upstream.url,
    token: '',
    pids: [context.upstream.pid],
    readyMs: 0,
    createConversations: async (count, prefix) => Array.from({ length: count }, (_, i) => `${prefix}-direct-${i}-${Date.now()}`),
    metrics: async () => ({ eventLoopDelayMs: undefined, storeWrites: undefined }),
    stop: async () => {},
  };
  const upstream = await measure(context, upstreamTarget, 0);
  context.log(`  upstream direct: first token p50 ${upstream.firstTokenMs.p50} p99 ${upstream.firstTokenMs.p99} ms`);
  const targets = await forEachTarget(context, 'overhead', async (target) => {
    const result = await measure(context, target, upstream.firstTokenMs.p50);
    context.log(`  ${target.name}: first token p50 ${result.firstTokenMs.p50} p99 ${result.firstTokenMs.p99} ms (+${result.overheadP50Ms} ms over the upstream)`);
    return result;
  });
  return { upstream, targets };
}

async function measure(context: ScenarioContext, target: Target, upstreamP50: number): Promise<OverheadResult> {
  const { params } = context.options;
  const run = await runStreams(target, context.upstream, {
    conversations: params.overhead.sends,
    watchersEach: 1,
    tokens: params.overhead.tokens,
    rate: params.rate,
    tokenSize: params.tokenSize,
    rampMs: (params.overhead.sends - 1) * params.overhead.spacingMs,
    slackMs: 5_000,
    collectText: false,
    clients: 1,
    prefix: 'overhead',
  });
  const firstTokenMs = roundPercentiles(run.report.firstToken.percentiles());
  return { sends: params.overhead.sends, firstTokenMs, overheadP50Ms: round(firstTokenMs.p50 - upstreamP50, 1), errors: run.report.errors.slice(0, 5) };
}
