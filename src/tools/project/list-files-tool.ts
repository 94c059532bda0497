import type { Dirent } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfabError } from '../../domain/errors.ts';
import type { Tool } from '../tool.ts';
import { resolveInProject, toProjectPath } from './confine-path.ts';
import { opaqueDirectories } from './opaque-directories.ts';

export type ListFilesOptions = {
  /** Cap on the entries returned; the listing then says `truncated: true`. Default 1000. */
  maxEntries?: number;
};

export type FileEntry = { path: string; type: 'file' | 'dir' | 'symlink'; size?: number };
export type ListFilesOutput = { path: string; entries: FileEntry[]; truncated: boolean };

const ListFilesInputSchema = z.object({
  path: z.string().default('.').describe('Directory to list, relative to the project root. Default: the root.'),
  depth: z
    .number()
    .int()
    .min(1)
    .max(5)
    .default(2)
    .describe('How many levels to descend: 1 lists only direct children. Default 2.'),
});

type ListFilesInput = z.infer<typeof ListFilesInputSchema>;

export function createListFilesTool(options: ListFilesOptions = {}): Tool<ListFilesInput> {
  const maxEntries = options.maxEntries ?? 1000;
  return {
    name: 'list_files',
    description:
      'List files and directories in the project, breadth first. Paths are relative to the project root; ' +
      'sizes are in bytes (files only). `.git` and `node_modules` are listed but not descended into; ' +
      'symbolic links are listed but not followed.',
    input: ListFilesInputSchema,
    async execute(input, context) {
      const realStart = await resolveInProject(context.projectRoot, input.path);
      const displayStart = toProjectPath(input.path);
      if (!(await stat(realStart)).isDirectory()) {
        throw new ConfabError('bad_request', `${displayStart} is a file, not a directory; use read_file to read it`);
      }
      return listTree(realStart, displayStart, input.depth, maxEntries, context.signal);
    },
  };
}

async function listTree(
  realStart: string,
  displayStart: string,
  depth: number,
  maxEntries: number,
  signal: AbortSignal,
): Promise<ListFilesOutput> {
  const entries: FileEntry[] = [];
  let truncated = false;
  // Breadth first, so a capped listing still shows the top of the tree.
  let level = [{ real: realStart, display: displayStart === '.' ? '' : displayStart }];
  for (let currentDepth = 1; currentDepth <= depth && level.length > 0 && !truncated; currentDepth++) {
    const next: typeof level = [];
    for (const directory of level) {
      signal.throwIfAborted();
      const children = await readChildren(directory.real);
      for (const child of children) {
        if (entries.length >= maxEntries) {
          truncated = true;
          break;
        }
        const real = path.join(directory.real, child.name);
        const display = directory.display ? `${directory.display}/${child.name}` : child.name;
        const entry = await describe(child, real, display);
        if (!entry) continue;
        entries.push(entry);
        if (entry.type === 'dir' && !opaqueDirectories.has(child.name)) next.push({ real, display });
      }
      if (truncated) break;
    }
    level = next;
  }
  entries.sort((a, b) => compareTreeOrder(a.path, b.path));
  return { path: displayStart, entries, truncated };
}

async function readChildren(directory: string): Promise<Dirent[]> {
  try {
    const children = await readdir(directory, { withFileTypes: true });
    return children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    // An unreadable subdirectory is listed (by its parent) but shows no children.
    return [];
  }
}

async function describe(child: Dirent, real: string, display: string): Promise<FileEntry | undefined> {
  if (child.isSymbolicLink()) return { path: display, type: 'symlink' };
  if (child.isDirectory()) return { path: display, type: 'dir' };
  if (!child.isFile()) return undefined;
  try {
    return { path: display, type: 'file', size: (await lstat(real)).size };
  } catch {
    return undefined;
  }
}

/** Orders paths as a tree reads: a directory's children right after it, segment by segment. */
function compareTreeOrder(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i] < right[i] ? -1 : 1;
  }
  return left.length - right.length;
}
