/**
 * Seeded fuzz of a real `confab serve` process: raw HTTP input (random methods, paths, headers,
 * bodies, with and without the token; truncated requests, garbage bytes, oversized headers, broken
 * chunked bodies, bad Content-Length, pipelining) and WebSocket input on /v1/ws (valid and invalid
 * commands, wrong types, unknown types, malformed JSON, binary and oversized frames, bytes that are
 * no frames). Asserts: every answer from 400 on is a JSON error, nothing is a 5xx or `internal`, the
 * server still answers afterwards, its descriptors return to the baseline, its RSS stays bounded.
 *
 * The seed is printed; CONFAB_FUZZ_SEED=<seed> replays a run (each input is derived from the seed
 * and its index alone). Inside `npm test` a few thousand inputs; `npm run test:reliability` runs
 * about 100 000. Both stop at a time budget too.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { openFds, residentBytes } from '../support/process-fds.ts';
import { eventually, spawnServe } from '../support/server-fixture.ts';
import { openSse } from '../support/sse-client.ts';
import { connectWs } from '../support/ws-client.ts';
import { ensureWebBuild, webDist } from '../web/browser-support.ts';
import { runHttp, runWsGarbage, runWsSession } from './fuzz-clients.ts';
import { httpInput, inputRandom, wsFrame, type FuzzTarget } from './fuzz-inputs.ts';
import { fullReliabilityRun, scaled } from './scale.ts';

const totalInputs = scaled(2_000, 100_000);
const timeBudgetMs = scaled(60_000, 420_000);
const httpShare = 0.8;
const httpConcurrency = 16;
const wsConcurrency = 4;
/** Descriptors the server may hold beyond its warmed-up baseline once every fuzz socket is closed. */
const fdSlack = 8;
/**
 * Peak RSS may exceed the warmed-up baseline by at most this much. Measured: +35-45 MiB in the fast
 * run; the full run climbs over its first tenth (V8 and malloc sizing themselves to 16 connections
 * of up to 1 MiB bodies and 256 KiB frames), then stays flat at +200-220 MiB with 30-90 MiB of heap
 * in use. The bound leaves room for that; the second-half check below is the leak detector.
 */
const rssGrowthBound = 320 * 1024 * 1024;
/** In the full run, RSS may grow at most this much over the second half of the HTTP inputs (a leak would climb). */
const secondHalfGrowthBound = 32 * 1024 * 1024;
// Lowered so truncated requests that stay open, and idle keep-alive sockets, are cut quickly (the
// defaults are 10 s, 60 s and 5 s), and so oversized WebSocket frames are cheap to send (1 MiB).
const serverLimits = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 1_000, wsMaxPayloadBytes: 256 * 1024 };

/** Runs `task(0..count-1)` with at most `concurrency` at once; stops starting new ones after `deadline`. */
async function pool(count: number, concurrency: number, deadline: number, task: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return next;
}

const tally = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
const show = (counts: Map<string, number>) => [...counts].sort((a, b) => b[1] - a[1]).map(([key, count]) => `${key}×${count}`).join(' ');

describe('fuzz', () => {
  it(`survives ${totalInputs} seeded raw HTTP and WebSocket inputs with JSON errors only and no leaks`, async (t) => {
    const seed = Number(process.env.CONFAB_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`fuzz seed ${seed} (replay: CONFAB_FUZZ_SEED=${seed}${fullReliabilityRun ? ' CONFAB_RELIABILITY=full' : ''})`);
    ensureWebBuild();
    const assets = (await readdir(join(webDist, 'assets'))).map((name) => `/assets/${name}`);
    const upstream = await startOpenAIUpstream();
    for (let i = 0; i < totalInputs; i++) upstream.enqueue({ kind: 'stream', chunks: [{ text: 'fuzz ' }, { text: 'reply' }] });
    const project = await makeProjectDir();
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-fuzz-'));
    const serve = await spawnServe({
      dataDir,
      upstreamUrl: upstream.url,
      env: { CONFAB_BENCH_METRICS: '1', CONFAB_BENCH_LIMITS: JSON.stringify({ server: serverLimits }) },
    });
    const pid = serve.child.pid!;
    const port = Number(new URL(serve.url).port);
    const authHeaders = { authorization: `Bearer ${serve.token}` };
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${serve.url}${path}`, { method, headers: { ...authHeaders, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: await response.json() };
    };
    try {
      assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: project.path })).status, 201);
      const conversationId = (await api('POST', '/v1/conversations', { projectName: 'demo' })).body.conversation.id as string;
      const target: FuzzTarget = { token: serve.token, conversationId, projectDir: project.path, assets };

      // Warm up every path once (lazily opened descriptors, JIT), then take the baseline.
      for (const path of ['/', assets[0], '/v1/health']) assert.equal((await fetch(`${serve.url}${path}`, { headers: { connection: 'close' } })).status, 200);
      const sse = await openSse(`${serve.url}/v1/conversations/${conversationId}/events`, authHeaders);
      const ws = await connectWs(serve.url, authHeaders);
      await ws.request({ type: 'subscribe', conversationId });
      assert.equal((await api('POST', `/v1/conversations/${conversationId}/messages`, { content: 'warm up' })).status, 202);
      await sse.waitFor((event) => event.type === 'run-completed');
      sse.close();
      ws.close();
      await ws.closed;
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // idle keep-alive sockets (1 s) close
      const baselineFds = (await openFds(pid)).length;
      const baselineRss = await residentBytes(pid);
      let peakRss = baselineRss;
      const sampler = setInterval(() => void residentBytes(pid).then((rss) => (peakRss = Math.max(peakRss, rss)), () => {}), 200);

      const violations: string[] = [];
      let violationCount = 0;
      const note = (where: string, problems: string[]) => {
        violationCount += problems.length;
        for (const problem of problems) if (violations.length < 20) violations.push(`${where}: ${problem}`);
      };
      const statuses = new Map<string, number>();
      const kinds = new Map<string, number>();
      const wsCloses = new Map<string, number>();
      const wsErrors = new Map<string, number>();
      let httpGaveUp = 0;
      let wsFramesSent = 0;
      const started = Date.now();
      const deadline = started + timeBudgetMs;
      const httpCount = Math.round(totalInputs * httpShare);

      // RSS at each tenth of the HTTP inputs: a plateau is bounded memory, a steady climb a leak.
      const rssByTenth: number[] = [];
      const httpRun = pool(httpCount, httpConcurrency, deadline, async (index) => {
        if (index % Math.ceil(httpCount / 10) === 0 && index > 0) void residentBytes(pid).then((rss) => rssByTenth.push(rss), () => {});
        const input = httpInput(inputRandom(seed, index), target);
        const outcome = await runHttp(port, input, 5_000);
        tally(kinds, input.kind);
        for (const status of outcome.statuses) tally(statuses, String(status));
        if (outcome.statuses.length === 0) tally(statuses, outcome.closedByServer ? 'closed' : 'none');
        if (outcome.gaveUp) httpGaveUp++;
        note(`http #${index}`, outcome.violations);
      });
      // WebSocket sessions take indexes after the HTTP ones, so every input has its own.
      let wsIndex = httpCount;
      const wsRun = (async () => {
        const sessions: number[] = [];
        while (wsFramesSent < totalInputs - httpCount && Date.now() < deadline) {
          sessions.length = 0;
          for (let i = 0; i < wsConcurrency; i++) sessions.push(wsIndex++);
          await Promise.all(
            sessions.map(async (index) => {
              const random = inputRandom(seed, index);
              const roll = random.next();
              if (roll < 0.1) {
                wsFramesSent++;
                const outcome = await runWsGarbage(port, serve.token, random, 5_000);
                tally(wsCloses, outcome.upgraded ? 'garbage' : 'garbage-refused');
                return note(`ws #${index}`, outcome.violations);
              }
              const auth = roll < 0.15 ? 'none' : roll < 0.25 ? 'query' : 'header';
              const frames = Array.from({ length: 1 + random.int(30) }, () => wsFrame(random, target, serverLimits.wsMaxPayloadBytes));
              wsFramesSent += frames.length;
              const outcome = await runWsSession(serve.url, serve.token, auth, frames, 10_000);
              tally(wsCloses, outcome.refusedStatus !== undefined ? `refused ${outcome.refusedStatus}` : String(outcome.closeCode));
              for (const code of outcome.errorCodes) tally(wsErrors, code);
              note(`ws #${index}`, outcome.violations);
            }),
          );
        }
      })();
      const httpDone = await httpRun;
      await wsRun;
      const elapsedMs = Date.now() - started;
      clearInterval(sampler);

      const healthStatus = (await fetch(`${serve.url}/v1/health`)).status;
      let fds = 0;
      const fdsSettled = await eventually(async () => (fds = (await openFds(pid)).length) <= baselineFds + fdSlack, 20_000).then(() => true, () => false);
      const webFiles = await openFds(pid, webDist);
      const finalRss = await residentBytes(pid);
      const heapUsed = (await api('GET', '/v1/debug/metrics')).body.heapUsedBytes as number;
      const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
      const figures = [
        `seed ${seed}: ${httpDone} HTTP inputs and ${wsFramesSent} WebSocket inputs in ${(elapsedMs / 1000).toFixed(1)} s`,
        `HTTP kinds: ${show(kinds)}`,
        `HTTP answers: ${show(statuses)}; client gave up waiting (SSE streams, keep-alive) ${httpGaveUp}`,
        `WebSocket sessions: ${show(wsCloses)}; error frames: ${show(wsErrors)}`,
        `descriptors: baseline ${baselineFds}, after ${fds} (slack ${fdSlack}); web app files open ${webFiles.length}`,
        `RSS: baseline ${mib(baselineRss)}, peak ${mib(peakRss)}, after ${mib(finalRss)} (bound: baseline + ${mib(rssGrowthBound)}); by tenth of the HTTP inputs: ${rssByTenth.map(mib).join(', ')}; heap used after ${mib(heapUsed)}`,
      ];
      for (const line of figures) t.diagnostic(line);
      assert.deepEqual(violations, [], `seed ${seed}: ${violationCount} violations (the first 20 shown)`);
      assert.equal(healthStatus, 200, 'the server still answers');
      assert.ok(fdsSettled, `descriptors: ${fds} open, baseline ${baselineFds} + ${fdSlack}`);
      assert.deepEqual(webFiles, []);
      assert.ok(peakRss <= baselineRss + rssGrowthBound, `peak RSS ${mib(peakRss)} over baseline ${mib(baselineRss)} + ${mib(rssGrowthBound)}`);
      if (fullReliabilityRun && rssByTenth.length >= 9) {
        const growth = rssByTenth[8] - rssByTenth[4];
        assert.ok(growth <= secondHalfGrowthBound, `RSS grew ${mib(growth)} over the second half (bound ${mib(secondHalfGrowthBound)})`);
      }
      assert.doesNotMatch(serve.stderr(), /request failed/, 'no internal error was logged');
      assert.ok(httpDone >= Math.min(httpCount, 500), `only ${httpDone} HTTP inputs ran within the time budget`);
    } finally {
      await serve.kill('SIGTERM');
      await upstream.close();
      await project.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
