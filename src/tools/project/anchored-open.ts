import { constants, existsSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, open, readlink, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ConfabError } from '../../domain/errors.ts';
import {
  checkRequestedPath,
  isWithin,
  notRegularFile,
  openFailure,
  outsideProject,
  pathError,
  realProjectRoot,
  resolveInProject,
  toProjectPath,
} from './confine-path.ts';

/**
 * Opening project files so that what is read is what was checked: no check-then-open race.
 *
 * `descriptor` confinement (Linux with /proc): the path is opened once with O_PATH, which yields a
 * descriptor without opening the file itself (a FIFO does not block, no device driver runs). The
 * kernel then says where that descriptor really is (readlink /proc/self/fd/N), which must lie in
 * the project, and what it is (fstat). A regular file is then opened for reading through
 * /proc/self/fd/N, which reaches the same inode whatever happened to the names meanwhile. A
 * directory is read, and its children opened, through /proc/self/fd/N too, children with
 * O_NOFOLLOW (anchored-walk.ts), so a walk never leaves the directory it checked.
 *
 * `path` confinement (elsewhere; Node has no openat): the path is resolved with realpath and checked,
 * opened, and the descriptor's device and inode compared with a second resolution. That narrows
 * the window to the gap between two system calls but cannot close it.
 */
export type Confinement = 'descriptor' | 'path';

export const defaultConfinement: Confinement =
  process.platform === 'linux' && existsSync('/proc/self/fd') ? 'descriptor' : 'path';

/** Linux's O_PATH: the generic value, which every architecture Node runs on uses. Node does not export it. */
export const O_PATH = 0o10000000;
export const { O_NOFOLLOW = 0, O_DIRECTORY = 0 } = constants;
/** Opening for reading never waits (a FIFO swapped in) and never takes a controlling terminal. */
export const readFlags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** A path that names exactly the open descriptor `fd`, whatever its names are now. */
export function descriptorPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/** A regular file, open for reading. Read through `handle`, never by name. */
export type OpenedFile = { kind: 'file'; handle: FileHandle; size: number; close(): Promise<void> };

/**
 * A directory. `anchor` is the path to read it through (`readdir(anchor)`, children as
 * `anchor/name`): /proc/self/fd/N under `descriptor` confinement, its real path under `path`.
 */
export type OpenedDirectory = { kind: 'directory'; anchor: string; close(): Promise<void> };

export type OpenedEntry = OpenedFile | OpenedDirectory;

/**
 * Opens a path the model or a client asked for, refusing anything outside the project (see
 * `resolveInProject` for the rules on the string) and anything but a regular file or a directory
 * (`X is not a regular file`). Every failure is a `ConfabError` with a stable code, except errors
 * that are the server's own (EMFILE, EIO). The caller must `close()` what it gets.
 */
export async function openInProject(
  projectRoot: string,
  requested: string,
  confinement: Confinement = defaultConfinement,
): Promise<OpenedEntry> {
  checkRequestedPath(requested);
  const root = await realProjectRoot(projectRoot);
  return confinement === 'descriptor' ? openByDescriptor(root, requested) : openByPath(root, requested);
}

/** `openInProject` for a file: a directory is `X is a directory, not a file`. */
export async function openFileInProject(projectRoot: string, requested: string, confinement?: Confinement): Promise<OpenedFile> {
  const entry = await openInProject(projectRoot, requested, confinement);
  if (entry.kind === 'file') return entry;
  await entry.close();
  throw new ConfabError('bad_request', `${toProjectPath(requested)} is a directory, not a file`);
}

async function openByDescriptor(root: string, requested: string): Promise<OpenedEntry> {
  const candidate = path.resolve(root, requested);
  const display = toProjectPath(requested);
  let probe: FileHandle | undefined;
  try {
    probe = await open(candidate, O_PATH);
  } catch (error) {
    throw await openFailure(error, root, candidate, requested);
  }
  try {
    const real = await readlink(descriptorPath(probe.fd));
    if (!isWithin(root, real)) throw outsideProject(requested);
    const stats = await probe.stat();
    if (stats.isDirectory()) {
      const directory = probe;
      probe = undefined;
      return { kind: 'directory', anchor: descriptorPath(directory.fd), close: () => directory.close() };
    }
    if (!stats.isFile()) throw notRegularFile(display);
    const handle = await open(descriptorPath(probe.fd), readFlags).catch((error: unknown) => {
      throw pathError(error, display);
    });
    return { kind: 'file', handle, size: stats.size, close: () => handle.close() };
  } finally {
    await probe?.close();
  }
}

async function openByPath(root: string, requested: string): Promise<OpenedEntry> {
  const display = toProjectPath(requested);
  const real = await resolveInProject(root, requested);
  const before = await stat(real).catch((error: unknown) => {
    throw pathError(error, display);
  });
  if (before.isDirectory()) return { kind: 'directory', anchor: real, close: async () => {} };
  if (!before.isFile()) throw notRegularFile(display);
  const handle = await open(real, readFlags).catch((error: unknown) => {
    throw pathError(error, display);
  });
  try {
    const opened = await handle.stat();
    const again = await resolveInProject(root, requested);
    if (again !== real || !sameFile(opened, before)) throw changedWhileOpening(display);
    return { kind: 'file', handle, size: opened.size, close: () => handle.close() };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Opens the directory `segments` below `anchor`, one name at a time and never through a symbolic
 * link; undefined when one of them is not a directory (any more). Under `path` confinement the
 * names are checked with lstat and joined, which a swap between check and use can defeat.
 */
export async function openDirectoryBeneath(
  anchor: string,
  segments: string[],
  confinement: Confinement = defaultConfinement,
): Promise<OpenedDirectory | undefined> {
  if (confinement === 'path') {
    let current = anchor;
    for (const segment of segments) {
      current = path.join(current, segment);
      const stats = await lstat(current).catch(() => undefined);
      if (!stats?.isDirectory()) return undefined;
    }
    return { kind: 'directory', anchor: current, close: async () => {} };
  }
  let current: FileHandle | undefined;
  try {
    for (const segment of segments) {
      const next = await open(path.join(current ? descriptorPath(current.fd) : anchor, segment), O_PATH | O_NOFOLLOW | O_DIRECTORY);
      await current?.close();
      current = next;
    }
  } catch {
    await current?.close();
    return undefined;
  }
  const opened = current;
  if (!opened) return { kind: 'directory', anchor, close: async () => {} };
  return { kind: 'directory', anchor: descriptorPath(opened.fd), close: () => opened.close() };
}

export function sameFile(a: Pick<Stats, 'dev' | 'ino'>, b: Pick<Stats, 'dev' | 'ino'>): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function changedWhileOpening(display: string): ConfabError {
  return new ConfabError('bad_request', `${display} changed while it was being opened; try again`);
}
