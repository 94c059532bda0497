/**
 * `npm run bench [-- --quick]`: every scenario against Confab and the baselines in one run, on this
 * machine, with ratios. See docs/benchmarks.md for how to read the output and bench-options.ts for
 * the flags. Everything listens on 127.0.0.1 and every step ends by its own deadline.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseBenchOptions } from './bench-options.ts';
import { ClientPool } from './clients/client-pool.ts';
import { profileConfab } from './profile/profile-capacity.ts';
import { targetLabels, type BenchResults } from './report/bench-results.ts';
import { writeResults } from './report/write-results.ts';
import { runAgentOverhead } from './scenarios/agent-overhead.ts';
import { runCapacity } from './scenarios/capacity.ts';
import { runFanout } from './scenarios/fanout.ts';
import { runIdle } from './scenarios/idle.ts';
import { runOverhead } from './scenarios/overhead.ts';
import { runResume } from './scenarios/resume.ts';
import { isError, type ScenarioContext } from './scenarios/scenario.ts';
import { runStoreCost } from './scenarios/store-cost.ts';
import { warmUp } from './scenarios/stream-run.ts';
import { runStartup } from './scenarios/startup.ts';
import { starterOf } from './targets/starters.ts';
import type { Target, TargetName } from './targets/target.ts';
import { startUpstream } from './upstream/upstream-handle.ts';


const options = parseBenchOptions(process.argv.slice(2));
const load = () => loadavg().map((value) => Math.round(value * 100) / 100);
const loadBefore = load();
const began = Date.now();
const log = (message: string) => process.stderr.write(`[${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
if (options.mode === 'full' && loadBefore[0] >= 1) log(`warning: load average is ${loadBefore[0]}; the full run is meant for a quiet machine (load < 1.0)`);

const workDir = join(options.outDir, 'tmp', `run-${process.pid}`);
mkdirSync(workDir, { recursive: true });
const upstream = await startUpstream();
/** Quick runs keep one instance of each target for all scenarios; full runs start a fresh one per scenario. */
const kept = new Map<TargetName, Target>();
const startTarget = async (name: TargetName, cpuProfileDir?: string): Promise<Target> => {
  const reuse = options.mode === 'quick' && cpuProfileDir === undefined;
  const existing = reuse ? kept.get(name) : undefined;
  if (existing) return { ...existing, stop: async () => {} };
  const began = Date.now();
  const target = await starterOf(name)({ upstreamUrl: upstream.url, workDir, cpuProfileDir });
  await warmUp(target, upstream, options.params);
  log(`  ${name} started and warmed up in ${Date.now() - began} ms`);
  if (!reuse) return target;
  kept.set(name, target);
  return { ...target, stop: async () => {} };
};
const context: ScenarioContext = { options, upstream, workDir, log, startTarget: (name, extra) => startTarget(name, extra?.cpuProfileDir) };

const results: BenchResults = {
  meta: {
    date: new Date().toISOString(),
    mode: options.mode,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    node: process.versions.node,
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadBefore,
    loadAfter: [],
    durationSeconds: 0,
    targets: options.targets,
    labels: Object.fromEntries(options.targets.map((name) => [name, targetLabels[name]])),
    clients: options.clients,
    params: options.params,
  },
};

const stopEverything = async () => {
  await ClientPool.shutdown();
  await Promise.allSettled([...kept.values()].map((target) => target.stop()));
  kept.clear();
  await upstream.stop().catch(() => {});
};
process.on('SIGINT', () => void stopEverything().then(() => process.exit(130)));

try {
  log(`${options.mode} run: ${options.scenarios.join(', ')} against ${options.targets.join(', ')}; upstream at ${upstream.url}`);
  for (const scenario of options.scenarios) {
    log(`scenario ${scenario}`);
    switch (scenario) {
      case 'capacity':
        results.capacity = await runCapacity(context);
        if (options.params.profile && options.targets.includes('confab')) {
          const confab = results.capacity.confab;
          const sustained = confab && !isError(confab) ? confab.sustained : 0;
          const streams = sustained > 0 ? Math.min(options.params.profile.streams, sustained) : options.params.capacity.steps[0];
          log(`  profiling Confab at ${streams} streams (--cpu-prof)`);
          try {
            results.profile = await profileConfab(context, streams, options.params.profile.tokens, join(options.outDir, 'tmp'));
            log(`  profile: ${results.profile.summary.top.slice(0, 3).map((entry) => `${entry.name} ${entry.percent}%`).join(', ')}`);
          } catch (error) {
            results.profile = { error: (error as Error).message };
            log(`  profile failed: ${(error as Error).message}`);
          }
        }
        break;
      case 'fanout':
        results.fanout = await runFanout(context);
        break;
      case 'resume':
        results.resume = await runResume(context);
        break;
      case 'idle':
        results.idle = await runIdle(context);
        break;
      case 'store':
        results.store = await runStoreCost(context);
        break;
      case 'overhead':
        results.overhead = await runOverhead(context);
        break;
      case 'startup':
        results.startup = await runStartup(context);
        break;
      case 'agent-overhead':
        results.agentOverhead = await runAgentOverhead(context);
        break;
    }
  }
} finally {
  await stopEverything();
  rmSync(workDir, { recursive: true, force: true });
}

results.meta.loadAfter = load();
results.meta.durationSeconds = Math.round((Date.now() - began) / 1000);
const written = writeResults(results, options.outDir);
process.stdout.write(`${written.text}\n\nwritten: ${written.json}, ${written.markdown}, ${written.charts.length} charts\n`);
process.exit(0);
