/**
 * Confab's memory under sustained streaming: rounds of N concurrent streams (fresh conversations
 * each round, one watcher each, as the capacity scenario runs them) against one server for a given
 * time, the server's RSS sampled from /proc every 250 ms. Prints each round's peak RSS and the
 * server's heap; with `--snapshots DIR`, the server runs with `--heapsnapshot-signal=SIGUSR2` and
 * writes a heap snapshot after the first round and after the last, for
 * `bench/profile/heap-summary.ts LAST --base FIRST`.
 *   node bench/profile/memory-soak.ts [--streams 200] [--tokens 500] [--seconds 120] [--snapshots DIR] [--env K=V,…]
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ClientPool } from '../clients/client-pool.ts';
import { requestJson } from '../clients/http-request.ts';
import { mb, runStreams, sleep, warmUp } from '../scenarios/stream-run.ts';
import { startConfab } from '../targets/confab-target.ts';
import { startUpstream } from '../upstream/upstream-handle.ts';

const { values } = parseArgs({
  options: { streams: { type: 'string', default: '200' }, tokens: { type: 'string', default: '500' }, seconds: { type: 'string', default: '120' }, snapshots: { type: 'string' }, env: { type: 'string', default: '' } },
});
const [streams, tokens, seconds] = [values.streams, values.tokens, values.seconds].map(Number) as [number, number, number];
const env = Object.fromEntries(values.env.split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as [string, string]));
const snapshotDir = values.snapshots ? resolve(values.snapshots) : undefined;
if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });

const workDir = join(tmpdir(), `confab-soak-${process.pid}`);
mkdirSync(workDir, { recursive: true });
const upstream = await startUpstream();
const target = await startConfab({ upstreamUrl: upstream.url, workDir, env, nodeArgs: snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [] });
const load = () => loadavg().map((value) => value.toFixed(1)).join(' ');

/** Asks the server for a heap snapshot and waits until its file stops growing. */
async function snapshot(): Promise<string> {
  const before = new Set(readdirSync(snapshotDir!));
  process.kill(target.pids[0]!, 'SIGUSR2');
  for (let size = -1; ; await sleep(500)) {
    const file = readdirSync(snapshotDir!).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    if (!file) continue;
    const now = statSync(join(snapshotDir!, file)).size;
    if (now > 0 && now === size) return join(snapshotDir!, file);
    size = now;
  }
}

async function heap(): Promise<string> {
  const reply = await requestJson('GET', `${target.baseUrl}/v1/debug/metrics`, undefined, { authorization: `Bearer ${target.token}` });
  const body = JSON.parse(reply.text) as { rssBytes: number; heapUsedBytes: number };
  return `RSS ${mb(body.rssBytes)} MB, heap used ${mb(body.heapUsedBytes)} MB`;
}

try {
  await warmUp(target, upstream, { rate: 50, tokenSize: 4 });
  const started = Date.now();
  let peak = 0;
  for (let round = 1; Date.now() - started < seconds * 1000; round++) {
    try {
      const run = await runStreams(target, upstream, { conversations: streams, watchersEach: 1, tokens, rate: 50, tokenSize: 4, rampMs: 2_000, slackMs: 8_000, collectText: false, clients: 2, prefix: `soak${round}` });
      peak = Math.max(peak, run.peakRssBytes);
      console.log(`round ${round} at ${Math.round((Date.now() - started) / 1000)} s: ${run.report.tokens}/${run.expectedTokens} tokens, p99 ${run.latency.p99} ms, peak RSS ${mb(run.peakRssBytes)} MB; after: ${await heap()}; load ${load()}`);
    } catch (error) {
      // A round cut short (a socket reset under load) still counts for time; the server's memory is what is watched.
      console.log(`round ${round} failed: ${(error as Error).message}; load ${load()}`);
    }
    if (round === 1 && snapshotDir) console.log(`snapshot after round 1: ${await snapshot()}`);
  }
  console.log(`peak RSS over the soak: ${mb(peak)} MB (${streams} streams, ${seconds} s)`);
  if (snapshotDir) console.log(`snapshot at the end: ${await snapshot()}`);
} finally {
  await ClientPool.shutdown();
  await target.stop();
  await upstream.stop();
  rmSync(workDir, { recursive: true, force: true });
}
