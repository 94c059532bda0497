import { realpath, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { ConfabError } from '../domain/errors.ts';
import { projectNamePattern, type Project } from '../domain/schemas.ts';

/**
 * Validates a project before it is stored: a well-formed name and an existing directory given as an
 * absolute path (a relative one would silently mean the server's working directory), resolved.
 */
export async function prepareProject(input: { name: unknown; path: unknown }, now: number): Promise<Project> {
  if (typeof input.name !== 'string' || !projectNamePattern.test(input.name)) {
    throw new ConfabError('bad_request', 'Project name must be 1 to 64 letters, digits, "_" or "-".');
  }
  if (typeof input.path !== 'string' || input.path.trim() === '' || input.path.includes('\0')) {
    throw new ConfabError('bad_request', 'Project path must be a directory path.');
  }
  if (!isAbsolute(input.path)) {
    throw new ConfabError('bad_request', `Project path must be absolute (got "${input.path}"); the server does not guess which directory a relative path means.`);
  }
  let real: string;
  try {
    real = await realpath(input.path);
  } catch {
    throw new ConfabError('bad_request', `Project directory does not exist: ${input.path}`);
  }
  if (!(await stat(real)).isDirectory()) throw new ConfabError('bad_request', `Project path is not a directory: ${input.path}`);
  return { name: input.name, path: real, createdAt: now };
}
