/**
 * Start-up: milliseconds from spawning each server to the line that says where it listens, on a
 * fresh data directory each time (Confab creates its SQLite file and runs its migrations), against
 * the floor measured in the same run: a bare Node `http` server doing nothing but listen. The AI
 * SDK figure is its server alone (its Redis is started beforehand and not counted).
 */
import { spawnServer } from '../targets/spawn-server.ts';
import { starterOf } from '../targets/starters.ts';
import { round, type PerTarget, type ScenarioContext } from './scenario.ts';

export type StartupResult = { runs: number; readyMs: { median: number; min: number; max: number } };

const bareServer = `require('node:http').createServer((q, s) => s.end()).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });`;

export async function runStartup(context: ScenarioContext): Promise<{ floor: StartupResult; targets: PerTarget<StartupResult> }> {
  const { runs } = context.options.params.startup;
  const floor = await measure(runs, async () => {
    const server = await spawnServer({ command: process.execPath, args: ['-e', bareServer], ready: /listening on (http:\S+)/, timeoutMs: 15_000 });
    await server.stop();
    return server.readyMs;
  });
  context.log(`  bare node http server: median ${floor.readyMs.median} ms`);
  const results: PerTarget<StartupResult> = {};
  for (const name of context.options.targets) {
    try {
      const result = await measure(runs, async () => {
        const target = await starterOf(name)({ upstreamUrl: context.upstream.url, workDir: context.workDir });
        await target.stop();
        return target.readyMs;
      });
      results[name] = result;
      context.log(`  ${name}: median ${result.readyMs.median} ms (${round(result.readyMs.median / floor.readyMs.median, 2)}× the bare server)`);
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      results[name] = { error: message };
      context.log(`  ${name}: startup failed: ${message}`);
    }
  }
  return { floor, targets: results };
}

async function measure(runs: number, once: () => Promise<number>): Promise<StartupResult> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return { runs, readyMs: { median: round(times[Math.floor(times.length / 2)], 0), min: round(times[0], 0), max: round(times.at(-1)!, 0) } };
}
