/**
 * Open file descriptors and resident memory of a process, read from /proc (Linux), for tests that
 * assert nothing leaks:
 *
 *   const before = await openFds('self');
 *   …
 *   assert.equal((await openFds(child.pid, webDir)).length, 0);   // nothing under webDir stays open
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

/** The targets of the process's open descriptors (`socket:[…]`, file paths, …), optionally only those under `prefix`. */
export async function openFds(pid: number | 'self', prefix?: string): Promise<string[]> {
  const dir = `/proc/${pid}/fd`;
  const targets: string[] = [];
  for (const fd of await readdir(dir)) {
    try {
      targets.push(await readlink(`${dir}/${fd}`));
    } catch {
      // Closed between readdir and readlink (the readdir's own descriptor, for one).
    }
  }
  return prefix === undefined ? targets : targets.filter((target) => target.startsWith(prefix));
}

/** Resident set size in bytes (VmRSS). */
export async function residentBytes(pid: number | 'self'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
