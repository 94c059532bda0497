/**
 * Scenario agent-overhead (opt-in: `npm run bench -- --only agent-overhead`): what Confab adds to
 * a coding agent's time to first token. The same Codex (`codex app-server`, installed by
 * scripts/ci/install-agents.sh into the tools cache) against the same fake model (the OpenAI
 * Responses wire of test/peers/agent-model.ts) is driven two ways, turn for turn alternately (and
 * which goes first alternating) so both see the same machine: directly by a tiny stdio client (bench/agents/codex-direct.ts), and
 * through Confab (`POST …/messages`, first `part-delta` on an SSE watcher). One warm-up turn each
 * (process start, thread start) is left out; then `sends` turns each, one at a time. Skipped with
 * a note when Codex is not installed.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startCodexModel } from '../../test/peers/agent-model.ts';
import { agentHome, agentTool } from '../../test/support/agent-tools.ts';
import { writeCodexHome } from '../../test/support/codex-home.ts';
import { CodexDirect } from '../agents/codex-direct.ts';
import { ConfabCodex } from '../agents/confab-codex.ts';
import { round, type ScenarioContext } from './scenario.ts';

export type AgentLatency = { p50: number; p99: number; mean: number; max: number };
export type AgentOverheadResult =
  | {
      agent: string;
      sends: number;
      direct: { firstTokenMs: AgentLatency; turnMs: AgentLatency };
      confab: { firstTokenMs: AgentLatency; turnMs: AgentLatency };
      /** Confab's first-token p50 over the direct one, and the difference in ms. */
      ratioP50: number;
      addedP50Ms: number;
      addedP99Ms: number;
    }
  | { skipped: string };

const turnTimeoutMs = 60_000;

export async function runAgentOverhead(context: ScenarioContext): Promise<AgentOverheadResult> {
  let tool: ReturnType<typeof agentTool>;
  try {
    tool = agentTool('codex');
  } catch (error) {
    tool = { path: undefined, folder: undefined, skip: (error as Error).message };
  }
  if (tool.skip !== undefined) {
    context.log(`  skipped: ${tool.skip}`);
    return { skipped: tool.skip };
  }
  const sends = context.options.params.agentOverhead.sends;
  const model = await startCodexModel();
  const home = await agentHome();
  const scratch = mkdtempSync(join(context.workDir, 'agent-overhead-'));
  let direct: CodexDirect | undefined;
  let confab: ConfabCodex | undefined;
  try {
    const codex = await writeCodexHome(home.dir, model.url);
    const env = { ...home.env, ...codex.env };
    const args = ['--disable', 'plugins'];
    const directProject = join(scratch, 'direct-project');
    const confabProject = join(scratch, 'confab-project');
    for (const dir of [directProject, confabProject]) mkdirSync(dir, { recursive: true });
    direct = new CodexDirect({ command: tool.path, args, cwd: directProject, env });
    await direct.start(directProject);
    confab = await ConfabCodex.start({ dataDir: join(scratch, 'confab-data'), projectDir: confabProject, command: tool.path, args, env });
    await direct.turn('Hello, warm up', turnTimeoutMs);
    await confab.turn('Hello, warm up', turnTimeoutMs);
    const timings = { direct: [] as { firstTokenMs: number; totalMs: number }[], confab: [] as { firstTokenMs: number; totalMs: number }[] };
    // Which side goes first alternates, so neither always runs just after the other's turn.
    for (let i = 0; i < sends; i++) {
      for (const side of i % 2 === 0 ? ['direct', 'confab'] as const : ['confab', 'direct'] as const) timings[side].push(await (side === 'direct' ? direct : confab).turn(`Hello ${i}`, turnTimeoutMs));
    }
    const summary = (list: { firstTokenMs: number; totalMs: number }[]) => ({ firstTokenMs: latency(list.map((entry) => entry.firstTokenMs)), turnMs: latency(list.map((entry) => entry.totalMs)) });
    const result = { agent: `Codex ${tool.folder.split('-').at(-1)} (codex app-server)`, sends, direct: summary(timings.direct), confab: summary(timings.confab), ratioP50: 0, addedP50Ms: 0, addedP99Ms: 0 };
    result.ratioP50 = round(result.confab.firstTokenMs.p50 / result.direct.firstTokenMs.p50, 3);
    result.addedP50Ms = round(result.confab.firstTokenMs.p50 - result.direct.firstTokenMs.p50, 1);
    result.addedP99Ms = round(result.confab.firstTokenMs.p99 - result.direct.firstTokenMs.p99, 1);
    context.log(`  direct: first token p50 ${result.direct.firstTokenMs.p50} p99 ${result.direct.firstTokenMs.p99} ms; through Confab: p50 ${result.confab.firstTokenMs.p50} p99 ${result.confab.firstTokenMs.p99} ms (×${result.ratioP50}, +${result.addedP50Ms} ms at p50)`);
    return result;
  } finally {
    direct?.close();
    await confab?.stop();
    await model.close();
    rmSync(home.dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Nearest-rank percentiles of a few dozen samples. */
function latency(samples: number[]): AgentLatency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
  return { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length), max: round(sorted.at(-1)!) };
}
