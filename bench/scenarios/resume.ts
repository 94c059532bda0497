/**
 * Scenario 3, resume: watchers of streaming conversations all lose their connection mid-stream,
 * stay away briefly, and reconnect at once from their last position. Catch-up is the time from a
 * watcher's reconnect to its first token that was due after the reconnect (everything missed came
 * before it) or the stream's end. Every watcher's final text is compared with the exact text the
 * upstream sent: no gap, no duplicate.
 */
import type { Percentiles } from '../measure/latency-histogram.ts';
import { roundPercentiles } from './capacity.ts';
import { forEachTarget, round, type PerTarget, type ScenarioContext } from './scenario.ts';
import { runStreams } from './stream-run.ts';

export type ResumeResult = {
  watchers: number;
  catchUpMs: Percentiles;
  exactTexts: number;
  texts: number;
  outOfOrderTokens: number;
  firstMismatch?: string;
  latencyMs: Percentiles;
  serverCpuMs: number;
  errors: string[];
};

export function runResume(context: ScenarioContext): Promise<PerTarget<ResumeResult>> {
  const { params } = context.options;
  const plan = params.resume;
  return forEachTarget(context, 'resume', async (target) => {
    const run = await runStreams(target, context.upstream, {
      conversations: plan.conversations,
      watchersEach: plan.watchersEach,
      tokens: plan.tokens,
      rate: params.rate,
      tokenSize: params.tokenSize,
      rampMs: Math.min(params.capacity.rampMs, plan.dropAtMs / 2),
      slackMs: params.capacity.slackMs,
      collectText: true,
      drop: { atMs: plan.dropAtMs, offlineMs: plan.offlineMs },
      clients: context.options.clients,
      prefix: 'resume',
    });
    const result: ResumeResult = {
      watchers: run.watchers,
      catchUpMs: roundPercentiles(run.report.catchUp.percentiles()),
      exactTexts: run.text?.exact ?? 0,
      texts: run.text?.total ?? 0,
      outOfOrderTokens: run.report.outOfOrder,
      firstMismatch: run.text?.firstMismatch,
      latencyMs: roundPercentiles(run.latency),
      serverCpuMs: round(run.serverCpuMs, 0),
      errors: [...run.connectErrors, ...run.report.errors].slice(0, 5),
    };
    context.log(`  ${target.name}: ${result.watchers} watchers, catch-up p50 ${result.catchUpMs.p50} p99 ${result.catchUpMs.p99} ms, exact ${result.exactTexts}/${result.texts}`);
    return result;
  });
}
