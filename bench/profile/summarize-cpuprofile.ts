/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`) by self time: the functions that spent the
 * most samples themselves, and the same grouped by where the code lives (a package under
 * node_modules, a folder of src/, Node's internals, GC, idle).
 *
 *   node bench/profile/summarize-cpuprofile.ts FILE.cpuprofile [--top 20] [--from-us N --to-us N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

export type ProfileEntry = { name: string; where: string; selfMs: number; percent: number };
export type ProfileSummary = { totalMs: number; busyMs: number; top: ProfileEntry[]; byArea: ProfileEntry[] };

/** `window`: only samples taken between these monotonic timestamps (µs, the profile's own clock). */
export function summarizeProfile(profile: CpuProfile, top = 20, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  // Each sample's time is the delta to the next sample (V8's own convention).
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, delta));
  }
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    totalUs += us;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') idleUs += us;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const area = areaOf(name, frame.url);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const toEntry = (name: string, where: string, us: number): ProfileEntry => ({
    name,
    where,
    selfMs: Math.round(us / 100) / 10,
    percent: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0,
  });
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    top: [...functions.values()]
      .filter((entry) => entry.name !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => toEntry(entry.name, entry.where, entry.us)),
    byArea: [...areas.entries()]
      .filter(([area]) => area !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, us]) => toEntry(area, '', us)),
  };
}

/** `node_modules/ws`, `src/engine`, `node:internal/webstreams`, `(garbage collector)`… */
function areaOf(name: string, url: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return `node_modules/${modules[1]}`;
  if (url.startsWith('node:internal/deps/')) return url.split('/').slice(0, 3).join('/');
  if (url.startsWith('node:internal/')) return url.split('/').slice(0, 2).join('/').replace(/^(node:internal\/[a-z_]+?)(_.*)?$/, '$1');
  if (url.startsWith('node:')) return url;
  const src = /\/(src|bench)\/([^/]+)/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  return shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
}

export function formatSummary(summary: ProfileSummary): string {
  const lines = [`busy ${summary.busyMs} ms of ${summary.totalMs} ms profiled`, '', 'self time by function:'];
  for (const entry of summary.top) lines.push(`  ${entry.percent.toFixed(1).padStart(5)}%  ${String(entry.selfMs).padStart(8)} ms  ${entry.name}  ${entry.where}`);
  lines.push('', 'self time by area:');
  for (const entry of summary.byArea) lines.push(`  ${entry.percent.toFixed(1).padStart(5)}%  ${String(entry.selfMs).padStart(8)} ms  ${entry.name}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '20' }, 'from-us': { type: 'string' }, 'to-us': { type: 'string' } }, allowPositionals: true });
  if (positionals.length !== 1) {
    process.stderr.write('usage: node bench/profile/summarize-cpuprofile.ts FILE.cpuprofile [--top N]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as CpuProfile;
  const window = values['from-us'] && values['to-us'] ? { fromUs: Number(values['from-us']), toUs: Number(values['to-us']) } : undefined;
  process.stdout.write(`${formatSummary(summarizeProfile(profile, Number(values.top), window))}\n`);
}
