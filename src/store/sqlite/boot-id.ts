import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';

/**
 * Names this boot of the operating system. A power loss or an OS crash is always followed by a
 * new boot, while a killed process is not, which is what lets the journal tell the loss it must
 * plan for (committed but not yet on disk) from the one it survives (SIGKILL). Linux gives a
 * random id per boot; elsewhere the boot time, to the minute, stands in (a clock step can change
 * it, which costs a snapshot, never a wrong replay).
 */
export function currentBootId(): string {
  try {
    return `linux:${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}`;
  } catch {
    return `boot-time:${Math.round((Date.now() / 1000 - uptime()) / 60)}`;
  }
}
