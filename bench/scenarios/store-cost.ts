/**
 * Scenario 5, store cost: a moderate load (well under saturation) so that the event-loop delay
 * shows what the writes cost rather than CPU contention. Writes per 1000 streamed tokens: Confab's
 * checkpoint transactions (SQLite), the AI SDK's Redis commands (resumable-stream), none for the
 * relay. The stall: the server's event-loop delay (p99, max) during the run, against the relay's.
 */
import { forEachTarget, round, type PerTarget, type ScenarioContext } from './scenario.ts';
import { runStreams } from './stream-run.ts';

export type StoreResult = {
  streams: number;
  streamedTokens: number;
  storeWrites: number | null;
  writesPer1000Tokens: number | null;
  writesPerSecond: number | null;
  eventLoopP99Ms: number | null;
  eventLoopMaxMs: number | null;
  latencyP99Ms: number;
};

export function runStoreCost(context: ScenarioContext): Promise<PerTarget<StoreResult>> {
  const { params } = context.options;
  return forEachTarget(context, 'store', async (target) => {
    const run = await runStreams(target, context.upstream, {
      conversations: params.store.streams,
      watchersEach: 1,
      tokens: params.store.tokens,
      rate: params.rate,
      tokenSize: params.tokenSize,
      rampMs: params.store.rampMs,
      slackMs: params.capacity.slackMs,
      collectText: false,
      clients: context.options.clients,
      prefix: 'store',
    });
    const streamedTokens = run.report.tokens;
    const writes = run.storeWrites;
    const result: StoreResult = {
      streams: params.store.streams,
      streamedTokens,
      storeWrites: writes ?? null,
      writesPer1000Tokens: writes === undefined || streamedTokens === 0 ? null : round((writes / streamedTokens) * 1000, 2),
      writesPerSecond: writes === undefined ? null : round(writes / (run.durationMs / 1000), 1),
      eventLoopP99Ms: run.metrics.eventLoopDelayMs?.p99 ?? null,
      eventLoopMaxMs: run.metrics.eventLoopDelayMs?.max ?? null,
      latencyP99Ms: round(run.latency.p99, 1),
    };
    context.log(`  ${target.name}: ${result.storeWrites ?? 'n/a'} writes for ${streamedTokens} tokens (${result.writesPer1000Tokens ?? 'n/a'} per 1000), loop delay p99 ${result.eventLoopP99Ms ?? 'n/a'} max ${result.eventLoopMaxMs ?? 'n/a'} ms`);
    return result;
  });
}
