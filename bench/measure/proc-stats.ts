/**
 * CPU time and resident memory of a process and all its descendants, from /proc (Linux): CPU is
 * utime + stime from `/proc/<pid>/stat` (clock ticks, 100 per second here), memory is `VmRSS` from
 * `/proc/<pid>/status`. A tree, because some servers run behind a launcher (LangGraph's dev CLI).
 */
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = 100;

export type ProcSample = { cpuMs: number; rssBytes: number; processes: number };

function readStat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function readRss(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export function sampleProcesses(pids: number[]): ProcSample {
  let ticks = 0;
  let rss = 0;
  let processes = 0;
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    processes++;
    ticks += stat.cpuTicks;
    rss += readRss(pid);
  }
  return { cpuMs: (ticks * 1000) / ticksPerSecond, rssBytes: rss, processes };
}

/**
 * Samples a process tree every `intervalMs` (the tree is re-read each time) until stopped: CPU used
 * between start and stop, and the peak and last RSS.
 */
export function watchProcesses(root: number | number[], intervalMs = 250): { stop(): { cpuMs: number; peakRssBytes: number; lastRssBytes: number } } {
  const roots = Array.isArray(root) ? root : [root];
  const pids = () => roots.flatMap((pid) => processTree(pid));
  const first = sampleProcesses(pids());
  let peak = first.rssBytes;
  let last = first;
  const timer = setInterval(() => {
    last = sampleProcesses(pids());
    if (last.rssBytes > peak) peak = last.rssBytes;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      last = sampleProcesses(pids());
      if (last.rssBytes > peak) peak = last.rssBytes;
      return { cpuMs: last.cpuMs - first.cpuMs, peakRssBytes: peak, lastRssBytes: last.rssBytes };
    },
  };
}
