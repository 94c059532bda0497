/** The Markdown the bench prints and writes to `bench/results/<date>.md`: headline table, then details per scenario. */
import { isError } from '../scenarios/scenario.ts';
import type { TargetName } from '../targets/target.ts';
import { targetLabels, type BenchResults } from './bench-results.ts';
import { headlineRows, ratio } from './headline.ts';

const cell = (value: unknown) => (value === null || value === undefined ? 'n/a' : String(value));
const table = (header: string[], rows: unknown[][]) =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');

export function markdownReport(results: BenchResults): string {
  const { meta } = results;
  const targets = meta.targets;
  const baselines = targets.filter((name) => name !== 'confab');
  const out: string[] = [];
  out.push(`## Bench ${meta.date} (${meta.mode})`, '');
  out.push(`\`${meta.command}\` on ${meta.cpus} CPUs, ${meta.memoryGiB} GiB, Node ${meta.node}; load average before ${meta.loadBefore.join(' / ')}, after ${meta.loadAfter.join(' / ')}; ${meta.durationSeconds} s; ${meta.clients} load-client processes.`, '');

  const arrows = { higher: ' ↑', lower: ' ↓', none: '' } as const;
  const headline = headlineRows(results);
  // A run of the agent scenario alone has no row against the targets.
  if (headline.length > 0) out.push(
    table(
      ['scenario', 'metric', ...targets.map((name) => targetLabels[name]), ...(targets.includes('confab') ? baselines.map((name) => `Confab ÷ ${targetLabels[name]}`) : [])],
      headline.map((row) => [
        row.scenario,
        row.metric + arrows[row.better],
        ...targets.map((name) => row.values[name]),
        ...(targets.includes('confab') ? baselines.map((name) => (row.better === 'none' ? '' : ratio(row.values.confab, row.values[name]))) : []),
      ]),
    ),
    '',
    '↑ higher is better, ↓ lower is better; n/a: not applicable or failed (see below).',
    '',
  );

  const errors = (label: string, perTarget: Partial<Record<TargetName, unknown>> | undefined) => {
    for (const [name, value] of Object.entries(perTarget ?? {})) if (isError(value)) out.push(`- ${label}, ${targetLabels[name as TargetName]}: ${value.error}`);
  };

  if (results.capacity) {
    out.push('### Capacity steps', '');
    const rows: unknown[][] = [];
    for (const [name, value] of Object.entries(results.capacity)) {
      if (isError(value)) continue;
      for (const step of value.steps) {
        rows.push([targetLabels[name as TargetName], step.streams, `${step.deliveredPerSecond} / ${step.offeredPerSecond}`, step.tokensPerCpuSecond, step.latencyMs.p50, step.latencyMs.p99, step.latencyMs.p999, step.peakRssMb, step.eventLoopP99Ms, `${step.serverCpuMs} / ${step.clientCpuMs}`, step.saturated ? `saturated: ${step.reason}` : 'ok']);
      }
    }
    out.push(table(['system', 'streams', 'tokens/s delivered / offered', 'tokens per CPU-s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'peak RSS MB', 'loop p99 ms', 'CPU-ms server / clients', 'status'], rows), '');
    errors('capacity', results.capacity);
  }
  if (results.fanout) {
    out.push('### Fan-out', '');
    const rows: unknown[][] = [];
    for (const [name, value] of Object.entries(results.fanout)) {
      if (isError(value)) continue;
      for (const point of value) rows.push([targetLabels[name as TargetName], point.watchers, `${point.deliveredPerSecond} / ${point.offeredPerSecond}`, point.latencyMs.p50, point.latencyMs.p99, point.latencyMs.p999, point.cpuMsPer1000Tokens, point.peakRssMb, point.errors[0] ?? '']);
    }
    out.push(table(['system', 'watchers', 'tokens/s delivered / offered', 'p50 ms', 'p99 ms', 'p99.9 ms', 'CPU-ms per 1000 tokens', 'peak RSS MB', 'first error'], rows), '');
    errors('fan-out', results.fanout);
  }
  if (results.resume) {
    out.push('### Resume', '');
    const rows = Object.entries(results.resume)
      .filter(([, value]) => !isError(value))
      .map(([name, value]) => {
        const v = value as Exclude<typeof value, { error: string } | undefined>;
        return [targetLabels[name as TargetName], v.watchers, v.catchUpMs.p50, v.catchUpMs.p99, v.catchUpMs.max, `${v.exactTexts}/${v.texts}`, v.outOfOrderTokens, v.firstMismatch ?? v.errors[0] ?? ''];
      });
    out.push(table(['system', 'watchers', 'catch-up p50 ms', 'p99 ms', 'max ms', 'exact texts', 'tokens out of order', 'note'], rows), '');
    errors('resume', results.resume);
  }
  if (results.idle) {
    out.push('### Idle connections', '');
    const rows = Object.entries(results.idle)
      .filter(([, value]) => !isError(value))
      .map(([name, value]) => {
        const v = value as Exclude<typeof value, { error: string } | undefined>;
        return [targetLabels[name as TargetName], `${v.connected}/${v.connections}`, v.rssBeforeMb, v.rssAfterMb, v.kbPerConnection];
      });
    out.push(table(['system', 'connected', 'RSS before MB', 'RSS after MB', 'KB per connection'], rows), '');
    errors('idle', results.idle);
  }
  if (results.store) {
    out.push('### Store cost', '');
    const rows = Object.entries(results.store)
      .filter(([, value]) => !isError(value))
      .map(([name, value]) => {
        const v = value as Exclude<typeof value, { error: string } | undefined>;
        return [targetLabels[name as TargetName], v.streams, v.streamedTokens, v.storeWrites, v.writesPer1000Tokens, v.writesPerSecond, v.eventLoopP99Ms, v.eventLoopMaxMs, v.latencyP99Ms];
      });
    out.push(table(['system', 'streams', 'tokens', 'writes', 'per 1000 tokens', 'per second', 'loop p99 ms', 'loop max ms', 'latency p99 ms'], rows), '');
    out.push('Writes: Confab counts SQLite checkpoint transactions; the AI SDK counts Redis commands (resumable-stream); the relay writes nothing.', '');
    errors('store', results.store);
  }
  if (results.overhead) {
    out.push('### Overhead to first token', '');
    const { upstream, targets: perTarget } = results.overhead;
    const rows: unknown[][] = [['upstream alone', upstream.sends, upstream.firstTokenMs.p50, upstream.firstTokenMs.p99, '']];
    for (const [name, value] of Object.entries(perTarget)) if (!isError(value)) rows.push([targetLabels[name as TargetName], value.sends, value.firstTokenMs.p50, value.firstTokenMs.p99, value.overheadP50Ms]);
    out.push(table(['system', 'sends', 'first token p50 ms', 'p99 ms', 'added over the upstream, p50 ms'], rows), '');
    errors('overhead', perTarget);
  }
  if (results.startup) {
    out.push('### Start-up', '');
    const { floor, targets: perTarget } = results.startup;
    const rows: unknown[][] = [['bare Node http server', floor.runs, floor.readyMs.median, floor.readyMs.min, floor.readyMs.max]];
    for (const [name, value] of Object.entries(perTarget)) if (!isError(value)) rows.push([targetLabels[name as TargetName], value.runs, value.readyMs.median, value.readyMs.min, value.readyMs.max]);
    out.push(table(['system', 'starts', 'median ms', 'min ms', 'max ms'], rows), '');
    out.push('From spawning the process to the line that says where it listens; each start on a fresh data directory.', '');
    errors('startup', perTarget);
  }
  if (results.profile) {
    out.push('### Confab CPU profile (capacity step)', '');
    if (isError(results.profile)) out.push(`- profile failed: ${results.profile.error}`, '');
    else {
      const { summary, streams, step } = results.profile;
      out.push(`${streams} streams under \`--cpu-prof\` (${step.deliveredPerSecond} tokens/s delivered, p99 ${step.latencyMs.p99} ms); busy ${summary.busyMs} ms of ${summary.totalMs} ms.`, '');
      out.push(table(['self %', 'self ms', 'function', 'where'], summary.top.slice(0, 15).map((entry) => [entry.percent, entry.selfMs, `\`${entry.name}\``, entry.where])), '');
      out.push(table(['self %', 'self ms', 'area'], summary.byArea.slice(0, 10).map((entry) => [entry.percent, entry.selfMs, entry.name])), '');
    }
  }
  if (results.agentOverhead) out.push(...agentOverheadSection(results.agentOverhead));
  return out.join('\n');
}

function agentOverheadSection(result: NonNullable<BenchResults['agentOverhead']>): string[] {
  const out = ['### Coding agent: overhead to first token', ''];
  if ('skipped' in result) return [...out, `- skipped: ${result.skipped}`, ''];
  const rows = [
    [`${result.agent}, direct (stdio client)`, result.sends, result.direct.firstTokenMs.p50, result.direct.firstTokenMs.p99, result.direct.turnMs.p50, ''],
    [`${result.agent}, through Confab`, result.sends, result.confab.firstTokenMs.p50, result.confab.firstTokenMs.p99, result.confab.turnMs.p50, `×${result.ratioP50} (+${result.addedP50Ms} ms p50, +${result.addedP99Ms} ms p99)`],
  ];
  out.push(table(['path', 'sends', 'first token p50 ms', 'p99 ms', 'whole turn p50 ms', 'Confab ÷ direct'], rows), '');
  out.push('Direct: `turn/start` to the first `item/agentMessage/delta`. Through Confab: `POST …/messages` to the first `part-delta` on an SSE watcher. Same agent, same fake model, turns alternated.', '');
  return out;
}
