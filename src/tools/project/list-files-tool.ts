import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfabError } from '../../domain/errors.ts';
import type { Tool } from '../tool.ts';
import { openDirectoryBeneath, openInProject } from './anchored-open.ts';
import type { OpenedDirectory } from './anchored-open.ts';
import { toProjectPath } from './confine-path.ts';
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
      const start = await openInProject(context.projectRoot, input.path);
      const displayStart = toProjectPath(input.path);
      try {
        if (start.kind !== 'directory') {
          throw new ConfabError('bad_request', `${displayStart} is a file, not a directory; use read_file to read it`);
        }
        return await listTree(start, displayStart, input.depth, maxEntries, context.signal);
      } finally {
        await start.close();
      }
    },
  };
}

/**
 * Breadth first, so a capped listing still shows the top of the tree. Each directory below the
 * start is reopened from the start one name at a time without following links (see
 * `openDirectoryBeneath`), so at most two descriptors are open however wide the tree is.
 */
async function listTree(
  start: OpenedDirectory,
  displayStart: string,
  depth: number,
  maxEntries: number,
  signal: AbortSignal,
): Promise<ListFilesOutput> {
  const entries: FileEntry[] = [];
  let truncated = false;
  let level: string[][] = [[]];
  const display = (segments: string[]) => [...(displayStart === '.' ? [] : [displayStart]), ...segments].join('/');
  for (let currentDepth = 1; currentDepth <= depth && level.length > 0 && !truncated; currentDepth++) {
    const next: string[][] = [];
    for (const segments of level) {
      signal.throwIfAborted();
      const directory = await openDirectoryBeneath(start.anchor, segments);
      if (!directory) continue;
      try {
        for (const child of await readChildren(directory.anchor)) {
          if (entries.length >= maxEntries) {
            truncated = true;
            break;
          }
          const entry = await describe(child, path.join(directory.anchor, child.name), display([...segments, child.name]));
          if (!entry) continue;
          entries.push(entry);
          if (entry.type === 'dir' && !opaqueDirectories.has(child.name)) next.push([...segments, child.name]);
        }
      } finally {
        await directory.close();
      }
      if (truncated) break;
    }
    level = next;
  }
  entries.sort((a, b) => compareTreeOrder(a.path, b.path));
  return { path: displayStart, entries, truncated };
}

async function readChildren(anchor: string): Promise<Dirent[]> {
  try {
    const children = await readdir(anchor, { withFileTypes: true });
    return children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    // An unreadable subdirectory is listed (by its parent) but shows no children.
    return [];
  }
}

/** `anchored` is the child's path through its parent's anchor; lstat never follows it. */
async function describe(child: Dirent, anchored: string, display: string): Promise<FileEntry | undefined> {
  if (child.isSymbolicLink()) return { path: display, type: 'symlink' };
  if (child.isDirectory()) return { path: display, type: 'dir' };
  if (!child.isFile()) return undefined;
  try {
    return { path: display, type: 'file', size: (await lstat(anchored)).size };
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
