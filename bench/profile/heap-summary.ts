/**
 * What a V8 heap snapshot holds, by kind of object, and what grew between two snapshots: self size
 * and count per constructor (objects, closures), per kind otherwise (strings, arrays, code …),
 * largest first. Snapshots come from `node --heapsnapshot-signal=SIGUSR2` (bench/profile/memory-soak.ts
 * takes them) or `v8.writeHeapSnapshot()`.
 *   node bench/profile/heap-summary.ts AFTER.heapsnapshot [--base BEFORE.heapsnapshot] [--top 25]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

type Snapshot = { snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }; nodes: number[]; strings: string[] };
export type HeapGroup = { name: string; count: number; bytes: number };

/** Self size and count per group: `Constructor` for objects and closures, `(kind)` for everything else. */
export function summarizeHeap(snapshot: Snapshot): Map<string, HeapGroup> {
  const fields = snapshot.snapshot.meta.node_fields;
  const kinds = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [number, number, number];
  const groups = new Map<string, HeapGroup>();
  const { nodes, strings } = snapshot;
  for (let index = 0; index < nodes.length; index += fields.length) {
    const kind = kinds[nodes[index + typeAt]!]!;
    const name = kind === 'object' || kind === 'closure' ? strings[nodes[index + nameAt]!]! : `(${kind})`;
    const group = groups.get(name) ?? { name, count: 0, bytes: 0 };
    group.count++;
    group.bytes += nodes[index + sizeAt]!;
    groups.set(name, group);
  }
  return groups;
}

/** `after` minus `before` per group, largest growth first. */
export function diffHeaps(after: Map<string, HeapGroup>, before: Map<string, HeapGroup>): HeapGroup[] {
  const names = new Set([...after.keys(), ...before.keys()]);
  return [...names]
    .map((name) => ({ name, count: (after.get(name)?.count ?? 0) - (before.get(name)?.count ?? 0), bytes: (after.get(name)?.bytes ?? 0) - (before.get(name)?.bytes ?? 0) }))
    .sort((a, b) => b.bytes - a.bytes);
}

function table(groups: HeapGroup[], top: number): string {
  const total = groups.reduce((sum, group) => sum + group.bytes, 0);
  const rows = groups.slice(0, top).map((group) => `| ${(group.bytes / 1048576).toFixed(2)} | ${group.count} | ${group.name.slice(0, 80).replaceAll('|', '\\|')} |`);
  return [`total ${(total / 1048576).toFixed(1)} MB`, '| MB | count | what |', '| --- | --- | --- |', ...rows].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { base: { type: 'string' }, top: { type: 'string', default: '25' } } });
  if (positionals.length !== 1) throw new Error('usage: heap-summary.ts AFTER.heapsnapshot [--base BEFORE.heapsnapshot] [--top N]');
  const read = (file: string) => summarizeHeap(JSON.parse(readFileSync(file, 'utf8')) as Snapshot);
  const after = read(positionals[0]!);
  const groups = values.base ? diffHeaps(after, read(values.base)) : [...after.values()].sort((a, b) => b.bytes - a.bytes);
  console.log(table(groups, Number(values.top)));
}
