import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { ConfabError } from '../../domain/errors.ts';

/**
 * Resolves a path the model (or a client) asked for to a real path inside the project.
 *
 * Refused with `bad_request`: NUL bytes, absolute paths, any `..` segment (even one that would stay
 * inside, like `a/../b`: the rule is easier to trust than to reason about), names over 255 bytes,
 * paths over 4095 bytes, and paths whose real path (symlinks followed, parents included) leaves the
 * project. A missing path is `not_found`, unless the part of it that exists already leads outside,
 * which is refused like any escape. Messages name only the requested path, never the server's
 * absolute paths.
 *
 * A name-based answer: by the time the caller opens the real path, it may lead elsewhere. Reads go
 * through `openInProject` (anchored-open.ts), which checks what it opened; this is its fallback
 * where the kernel cannot say what a descriptor is.
 */
export async function resolveInProject(projectRoot: string, requested: string): Promise<string> {
  checkRequestedPath(requested);
  const root = await realProjectRoot(projectRoot);
  const candidate = path.resolve(root, requested);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    throw await openFailure(error, root, candidate, requested);
  }
  if (!isWithin(root, real)) throw outsideProject(requested);
  return real;
}

/**
 * What a failed lookup or open of `candidate` tells the caller, as a `ConfabError` with a stable
 * code. A missing path is `not_found`, unless the part of it that exists already leads outside.
 * Errors that say nothing about the path (EMFILE, EIO) are returned as they are: they are ours.
 */
export async function openFailure(error: unknown, root: string, candidate: string, requested: string): Promise<unknown> {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    if (!isWithin(root, await nearestExistingAncestor(root, candidate))) return outsideProject(requested);
  }
  return pathError(error, toProjectPath(requested));
}

/** Maps the errno values a path can cause to stable codes; anything else is returned unchanged. */
export function pathError(error: unknown, displayPath: string): unknown {
  switch (errorCode(error)) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ConfabError('not_found', `No such file or directory: ${displayPath}`);
    case 'ELOOP':
      return new ConfabError('bad_request', `Too many symbolic links in path: ${displayPath}`);
    case 'EACCES':
    case 'EPERM':
      return new ConfabError('forbidden', `Permission denied: ${displayPath}`);
    case 'EISDIR':
      return new ConfabError('bad_request', `${displayPath} is a directory, not a file`);
    case 'ENXIO':
    case 'ENODEV':
      return notRegularFile(displayPath);
    case 'ENAMETOOLONG':
      return new ConfabError('bad_request', 'Path is too long');
    case 'EINVAL':
    case 'EILSEQ':
      return new ConfabError('bad_request', `Invalid path: ${displayPath}`);
    default:
      return error;
  }
}

export function notRegularFile(displayPath: string): ConfabError {
  return new ConfabError('bad_request', `${displayPath} is not a regular file`);
}

/** Real path of the project root; a vanished project directory is `not_found`. */
export async function realProjectRoot(projectRoot: string): Promise<string> {
  try {
    return await realpath(projectRoot);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') throw new ConfabError('not_found', 'The project directory does not exist');
    throw error;
  }
}

/** True when `candidate` is `root` or lies below it. Both must be real, absolute paths. */
export function isWithin(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate.startsWith(prefix);
}

/** The requested path as shown back to the model: normalized, `/`-separated, `.` for the root. */
export function toProjectPath(requested: string): string {
  const normalized = path.posix.normalize(requested).replace(/\/+$/, '');
  return normalized === '' ? '.' : normalized;
}

/** Linux's PATH_MAX (4096, with the terminating NUL) and NAME_MAX. */
export const maxPathBytes = 4095;
export const maxNameBytes = 255;

/** The checks made on the requested string itself, before the file system is asked anything. */
export function checkRequestedPath(requested: string): void {
  if (typeof requested !== 'string') throw new ConfabError('bad_request', 'Path must be a string');
  if (requested.includes('\0')) throw new ConfabError('bad_request', 'Path must not contain NUL bytes');
  const bytes = Buffer.byteLength(requested);
  if (bytes > maxPathBytes) throw new ConfabError('bad_request', `Path is ${bytes} bytes long; the limit is ${maxPathBytes}`);
  if (requested.split(/[\\/]/).some((name) => Buffer.byteLength(name) > maxNameBytes)) {
    throw new ConfabError('bad_request', `Path has a name over ${maxNameBytes} bytes`);
  }
  if (path.isAbsolute(requested) || path.win32.isAbsolute(requested)) {
    throw new ConfabError('bad_request', `Path must be relative to the project root: ${requested}`);
  }
  // Backslashes count as separators too, so `..\x` is refused whatever the platform.
  if (requested.split(/[\\/]/).includes('..')) {
    throw new ConfabError('bad_request', `Path must not contain "..": ${requested}`);
  }
}

async function nearestExistingAncestor(root: string, candidate: string): Promise<string> {
  let current = path.dirname(candidate);
  while (current !== root && isWithin(root, current)) {
    try {
      return await realpath(current);
    } catch {
      current = path.dirname(current);
    }
  }
  return root;
}

export function outsideProject(requested: string): ConfabError {
  return new ConfabError('bad_request', `Path leads outside the project (through a symbolic link): ${toProjectPath(requested)}`);
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
}
