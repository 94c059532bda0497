import { closeSync, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { descriptorPath, O_DIRECTORY, O_NOFOLLOW, O_PATH, readFlags, sameFile } from './anchored-open.ts';
import type { Confinement } from './anchored-open.ts';

/**
 * The synchronous half of anchored-open.ts, for the search worker's walk: children are opened
 * through their parent's anchor and never through a symbolic link (O_NOFOLLOW), so the walk stays
 * inside the directory it was given whatever is renamed meanwhile; only regular files and
 * directories are opened, so a FIFO or device in the tree is never opened for reading.
 *
 * Every descriptor is recorded in a `DescriptorLedger` from just after it is opened until just
 * before it is closed, so the parent can close what a worker it had to kill left open.
 */
export class DescriptorLedger {
  readonly #slots: Int32Array;

  /** Shared memory for `size` descriptors; pass it to the worker and wrap it on both sides. */
  static allocate(size = 64): SharedArrayBuffer {
    return new SharedArrayBuffer(size * Int32Array.BYTES_PER_ELEMENT);
  }

  constructor(buffer: SharedArrayBuffer) {
    this.#slots = new Int32Array(buffer);
  }

  /** False when the ledger is full: the caller must close `fd` and do without it. */
  add(fd: number): boolean {
    const free = this.#slots.indexOf(0);
    if (free === -1) return false;
    Atomics.store(this.#slots, free, fd + 1);
    return true;
  }

  remove(fd: number): void {
    const slot = this.#slots.indexOf(fd + 1);
    if (slot !== -1) Atomics.store(this.#slots, slot, 0);
  }

  /** For the parent, once the worker has exited: closes every descriptor it left open. */
  closeAll(): number {
    let closed = 0;
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const entry = Atomics.exchange(this.#slots, slot, 0);
      if (entry === 0) continue;
      try {
        closeSync(entry - 1);
        closed++;
      } catch {}
    }
    return closed;
  }
}

export type WalkedDirectory = { anchor: string; close(): void };
export type WalkedFile = { fd: number; size: number; close(): void };

/** The directory `name` in the directory at `anchor`; undefined if it is not one (any more). */
export function openChildDirectorySync(anchor: string, name: string, confinement: Confinement, ledger: DescriptorLedger): WalkedDirectory | undefined {
  const childPath = path.join(anchor, name);
  if (confinement === 'path') {
    return lstatSync(childPath, { throwIfNoEntry: false })?.isDirectory() ? { anchor: childPath, close() {} } : undefined;
  }
  const fd = openTracked(childPath, O_PATH | O_NOFOLLOW | O_DIRECTORY, ledger);
  return fd === undefined ? undefined : { anchor: descriptorPath(fd), close: () => closeTracked(fd, ledger) };
}

/** The regular file `name` in the directory at `anchor`, open for reading; undefined if it is not one. */
export function openChildFileSync(anchor: string, name: string, confinement: Confinement, ledger: DescriptorLedger): WalkedFile | undefined {
  const childPath = path.join(anchor, name);
  if (confinement === 'path') {
    const before = lstatSync(childPath, { throwIfNoEntry: false });
    if (!before?.isFile()) return undefined;
    const fd = openTracked(childPath, readFlags | O_NOFOLLOW, ledger);
    if (fd === undefined) return undefined;
    const opened = fstatSync(fd);
    if (!opened.isFile() || !sameFile(opened, before)) return void closeTracked(fd, ledger);
    return { fd, size: opened.size, close: () => closeTracked(fd, ledger) };
  }
  const probe = openTracked(childPath, O_PATH | O_NOFOLLOW, ledger);
  if (probe === undefined) return undefined;
  try {
    const stats = fstatSync(probe);
    if (!stats.isFile()) return undefined;
    const fd = openTracked(descriptorPath(probe), readFlags, ledger);
    return fd === undefined ? undefined : { fd, size: stats.size, close: () => closeTracked(fd, ledger) };
  } finally {
    closeTracked(probe, ledger);
  }
}

/** Reads up to `size` bytes from offset 0 (fewer if the file shrank; never more if it grew). */
export function readUpTo(fd: number, size: number): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const bytesRead = readSync(fd, buffer, filled, size - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

function openTracked(target: string, flags: number, ledger: DescriptorLedger): number | undefined {
  let fd: number;
  try {
    fd = openSync(target, flags);
  } catch {
    return undefined;
  }
  if (ledger.add(fd)) return fd;
  closeSync(fd);
  return undefined;
}

function closeTracked(fd: number, ledger: DescriptorLedger): void {
  // Out of the ledger first: a kill between the two leaks one descriptor, never closes another's.
  ledger.remove(fd);
  closeSync(fd);
}
