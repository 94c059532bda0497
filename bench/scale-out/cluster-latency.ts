/**
 * The scale-out scenario: the same streams against embedded Confab (one process, SQLite) and a
 * Confab cluster (two API nodes — messages sent through one, watched through the other — and a
 * worker, on Postgres and a private Redis; `--api-nodes 1` for one node doing both), in one run. Reports
 * token latency (upstream send → watcher receipt) p50/p99 for both, the difference (what crossing
 * processes adds), delivery and exact text, and the cluster's Redis commands and Postgres
 * transactions per 1000 tokens delivered.
 *
 *   npx node bench/scale-out/cluster-latency.ts [--conversations 20] [--watchers 2] [--tokens 200] [--rate 20] [--api-nodes 2]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runStreams, warmUp, type StreamRunPlan } from '../scenarios/stream-run.ts';
import { startConfabCluster } from '../targets/confab-cluster-target.ts';
import { startConfab } from '../targets/confab-target.ts';
import { startUpstream } from '../upstream/upstream-handle.ts';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '20' },
    watchers: { type: 'string', default: '2' },
    tokens: { type: 'string', default: '200' },
    rate: { type: 'string', default: '20' },
    'api-nodes': { type: 'string', default: '2' },
  },
});
const plan: StreamRunPlan = {
  conversations: Number(values.conversations),
  watchersEach: Number(values.watchers),
  tokens: Number(values.tokens),
  rate: Number(values.rate),
  tokenSize: 4,
  rampMs: 1_000,
  slackMs: 20_000,
  collectText: true,
  clients: 2,
  prefix: 'scale-out',
};
const apiNodes = Number(values['api-nodes']);
if (apiNodes !== 1 && apiNodes !== 2) throw new Error('--api-nodes takes 1 or 2');
const workDir = join(process.cwd(), 'bench', 'results', 'tmp', `cluster-${process.pid}`);
mkdirSync(workDir, { recursive: true });
const upstream = await startUpstream();
const rows: Record<string, string | number>[] = [];
try {
  const embedded = await startConfab({ upstreamUrl: upstream.url, workDir });
  try {
    await warmUp(embedded, upstream, plan);
    const run = await runStreams(embedded, upstream, { ...plan, prefix: 'embedded' });
    rows.push({ target: 'embedded', p50: run.latency.p50, p99: run.latency.p99, delivered: run.deliveredRatio, exact: `${run.text?.exact}/${run.text?.total}`, cpuMs: run.serverCpuMs, redisPer1000: '-', postgresPer1000: '-' });
  } finally {
    await embedded.stop();
  }
  const cluster = await startConfabCluster({ upstreamUrl: upstream.url, workDir }, { apiNodes });
  try {
    await warmUp(cluster, upstream, plan);
    const before = await cluster.counters();
    const run = await runStreams(cluster, upstream, { ...plan, prefix: 'cluster' });
    const after = await cluster.counters();
    const per1000 = (count: number) => Math.round((count / Math.max(1, run.report.tokens)) * 1000);
    rows.push({
      target: 'cluster',
      p50: run.latency.p50,
      p99: run.latency.p99,
      delivered: run.deliveredRatio,
      exact: `${run.text?.exact}/${run.text?.total}`,
      cpuMs: run.serverCpuMs,
      redisPer1000: per1000(after.redisCommands - before.redisCommands),
      postgresPer1000: per1000(after.postgresTransactions - before.postgresTransactions),
    });
  } finally {
    await cluster.stop();
  }
} finally {
  await upstream.stop();
  rmSync(workDir, { recursive: true, force: true });
}
const [embedded, cluster] = rows;
process.stdout.write(
  `${plan.conversations} conversations × ${plan.watchersEach} watchers, ${plan.tokens} tokens at ${plan.rate}/s; cluster: ${apiNodes} API node(s) + 1 worker; load average ${loadavg()[0]!.toFixed(2)}\n` +
    rows.map((row) => JSON.stringify(row)).join('\n') +
    `\nadded by crossing processes: p50 ${((cluster!.p50 as number) - (embedded!.p50 as number)).toFixed(1)} ms, p99 ${((cluster!.p99 as number) - (embedded!.p99 as number)).toFixed(1)} ms\n`,
);
