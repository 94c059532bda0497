/**
 * One measured run of streams against one target, the building block of every streaming scenario:
 * conversations, watchers dealt to the load clients, subscribe, start (staggered), optionally drop
 * and resume everyone, wait for the end or the deadline; meanwhile the server's CPU and RSS are
 * sampled from /proc and its metrics read before and after.
 */
import type { WatcherPlan } from '../clients/client-messages.ts';
import { ClientPool, type PoolReport } from '../clients/client-pool.ts';
import type { Percentiles } from '../measure/latency-histogram.ts';
import { watchProcesses } from '../measure/proc-stats.ts';
import type { Target, TargetMetrics } from '../targets/target.ts';
import type { UpstreamHandle } from '../upstream/upstream-handle.ts';
import { formatSpec } from '../upstream/stream-spec.ts';
import { nowMs } from '../upstream/token-code.ts';

export type StreamRunPlan = {
  conversations: number;
  /** Watchers per conversation, the first of which starts the stream. */
  watchersEach: number;
  tokens: number;
  rate: number;
  tokenSize: number;
  rampMs: number;
  /** Extra time after the last token is due before the run is cut off. */
  slackMs: number;
  collectText: boolean;
  /** Drop every connection this long after the start, and reconnect after `offlineMs`. */
  drop?: { atMs: number; offlineMs: number };
  clients: number;
  prefix: string;
};

export type StreamRun = {
  watchers: number;
  connected: number;
  connectErrors: string[];
  expectedTokens: number;
  report: PoolReport;
  latency: Percentiles;
  /** Tokens per second delivered while every stream was running (the steady state). */
  deliveredPerSecond: number;
  offeredPerSecond: number;
  deliveredRatio: number;
  serverCpuMs: number;
  peakRssBytes: number;
  metrics: TargetMetrics;
  storeWrites: number | undefined;
  upstreamLatenessP99: number;
  durationMs: number;
  text?: { exact: number; total: number; firstMismatch?: string };
};

export async function runStreams(target: Target, upstream: UpstreamHandle, plan: StreamRunPlan): Promise<StreamRun> {
  const conversationIds = await target.createConversations(plan.conversations, plan.prefix);
  const watchers: WatcherPlan[] = [];
  const streamMs = ((plan.tokens - 1) * 1000) / plan.rate;
  conversationIds.forEach((conversationId, i) => {
    const startDelayMs = plan.conversations > 1 ? Math.round((i * plan.rampMs) / (plan.conversations - 1)) : 0;
    const startMessage = formatSpec({ key: conversationId, tokens: plan.tokens, rate: plan.rate, size: plan.tokenSize, burst: 1, firstTokenMs: 0 });
    watchers.push({ conversationId, startMessage, startDelayMs });
    for (let w = 1; w < plan.watchersEach; w++) watchers.push({ conversationId });
  });

  const pool = await ClientPool.open({ protocol: target.protocol, baseUrl: target.baseUrl, sendUrl: target.sendUrl, token: target.token, tokenSize: plan.tokenSize, collectText: plan.collectText }, watchers, plan.clients);
  try {
    const connection = await pool.connect();
    const before = await target.metrics(true);
    await upstream.resetStats();
    const processes = watchProcesses(target.pids);
    const start = nowMs();
    // Steady state: after the last stream started, before the first one ends.
    const window = { from: start + plan.rampMs + 250, to: start + streamMs - 250 };
    pool.start(window.to > window.from ? window : undefined);
    if (plan.drop) {
      await sleep(plan.drop.atMs);
      pool.drop();
      await sleep(plan.drop.offlineMs);
      await pool.resume();
    }
    const deadline = start + plan.rampMs + streamMs + plan.slackMs;
    const report = await pool.report(deadline - nowMs());
    const durationMs = nowMs() - start;
    const usage = processes.stop();
    const after = await target.metrics(false);
    const upstreamStats = await upstream.stats();

    const expectedTokens = plan.conversations * plan.watchersEach * plan.tokens;
    const windowSeconds = (window.to - window.from) / 1000;
    const offeredPerSecond = plan.conversations * plan.watchersEach * plan.rate;
    const deliveredPerSecond = windowSeconds > 0 ? report.windowTokens / windowSeconds : report.tokens / (durationMs / 1000);
    const run: StreamRun = {
      watchers: watchers.length,
      connected: connection.connected,
      connectErrors: connection.errors,
      expectedTokens,
      report,
      latency: report.latency.percentiles(),
      deliveredPerSecond,
      offeredPerSecond,
      deliveredRatio: report.tokens / expectedTokens,
      serverCpuMs: usage.cpuMs,
      peakRssBytes: usage.peakRssBytes,
      metrics: after,
      storeWrites: before.storeWrites !== undefined && after.storeWrites !== undefined ? after.storeWrites - before.storeWrites : undefined,
      upstreamLatenessP99: upstreamStats.lateness.p99,
      durationMs,
    };
    if (plan.collectText) run.text = await checkTexts(report, upstream);
    return run;
  } finally {
    await pool.close();
  }
}

/** Every watcher's text against the exact text the upstream sent for its stream. */
async function checkTexts(report: PoolReport, upstream: UpstreamHandle): Promise<NonNullable<StreamRun['text']>> {
  const expected = new Map<string, string | undefined>();
  const { createHash } = await import('node:crypto');
  let exact = 0;
  let firstMismatch: string | undefined;
  for (const text of report.texts) {
    if (!expected.has(text.conversationId)) {
      const sent = await upstream.text(text.conversationId);
      expected.set(text.conversationId, sent === undefined ? undefined : createHash('sha1').update(sent).digest('hex') + ':' + sent.length);
    }
    const want = expected.get(text.conversationId);
    if (want === `${text.sha1}:${text.length}`) exact++;
    else firstMismatch ??= `${text.conversationId}: got ${text.length} chars, upstream sent ${want?.split(':')[1] ?? 'unknown'}`;
  }
  return { exact, total: report.texts.length, firstMismatch };
}

/** A few short streams, not measured: loads lazily imported code and warms the JIT before the first measured run. */
export async function warmUp(target: Target, upstream: UpstreamHandle, params: { rate: number; tokenSize: number }): Promise<void> {
  await runStreams(target, upstream, {
    conversations: 4,
    watchersEach: 1,
    tokens: 20,
    rate: params.rate * 4,
    tokenSize: params.tokenSize,
    rampMs: 50,
    slackMs: 5_000,
    collectText: false,
    clients: 1,
    prefix: 'warmup',
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
