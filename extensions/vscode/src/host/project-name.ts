/**
 * Which Confab project a workspace folder is, and what to call a new one. Pure: the prompts and
 * requests are in `project-resolver.ts`.
 */
import type { Project } from '../../../../src/client/index.ts';

const namePattern = /^[a-zA-Z0-9_-]{1,64}$/;

export function isValidProjectName(name: string): boolean {
  return namePattern.test(name);
}

/** The project registered for this folder: same path, compared after normalising separators and a trailing slash. */
export function projectForFolder(projects: readonly Project[], folderPaths: readonly string[]): Project | null {
  const wanted = new Set(folderPaths.map(normalizePath));
  return projects.find((project) => wanted.has(normalizePath(project.path))) ?? null;
}

/** A valid name from the folder's name that no project has: `my app` → `my-app`, then `my-app-2`, … */
export function suggestProjectName(folderName: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = folderName.replace(/[^a-zA-Z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'project';
  if (!used.has(base)) return base;
  for (let suffix = 2; ; suffix++) {
    const candidate = `${base.slice(0, 64 - String(suffix).length - 1)}-${suffix}`;
    if (!used.has(candidate)) return candidate;
  }
}

function normalizePath(path: string): string {
  const slashes = path.replaceAll('\\', '/');
  return slashes.length > 1 ? slashes.replace(/\/+$/, '') : slashes;
}
