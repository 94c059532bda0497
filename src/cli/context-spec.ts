import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ContextInput } from '../client/index.ts';

/**
 * `PATH[:START-END]` (or `PATH:LINE`) → a context attachment. Throws a RangeError with a message
 * fit for the user when the line range is malformed.
 */
export function parseContextSpec(spec: string): ContextInput {
  const match = /^(.+?):(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!match) {
    const path = spec.trim();
    if (path === '') throw new RangeError('give a file path, e.g. /context src/app.ts:10-40');
    return { path };
  }
  const start = Number(match[2]);
  const end = match[3] === undefined ? start : Number(match[3]);
  if (start < 1 || end < start) throw new RangeError(`line range ${match[2]}${match[3] === undefined ? '' : `-${match[3]}`} must start at 1 or later and not end before it starts`);
  return { path: match[1], range: { start, end } };
}

/**
 * The path to send for a file the user named: relative to the project root when it names an
 * existing file inside the project as seen from `cwd`; else as typed (the server resolves it from the
 * project root and refuses anything outside the project).
 */
export function projectRelativePath(path: string, cwd: string, projectRoot: string): string {
  const absolute = resolve(cwd, path);
  const inside = relative(projectRoot, absolute);
  if (inside !== '' && !inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside) && existsSync(absolute)) {
    return inside.split(sep).join('/');
  }
  return path;
}

/** `src/app.ts:10-40` */
export function describeContext(input: ContextInput): string {
  if (!input.range) return input.path;
  return input.range.start === input.range.end ? `${input.path}:${input.range.start}` : `${input.path}:${input.range.start}-${input.range.end}`;
}
