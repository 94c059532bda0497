import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Test fixture: a real project directory, plus a sibling directory outside it, under os.tmpdir(). */
export type TempProject = {
  /** Real path of the project root. */
  root: string;
  /** Real path of a directory next to the project, for escape attempts. */
  outside: string;
  write(relativePath: string, content: string | Uint8Array, base?: 'root' | 'outside'): Promise<string>;
  cleanup(): Promise<void>;
};

export async function createTempProject(files: Record<string, string | Uint8Array> = {}): Promise<TempProject> {
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'confab-tools-')));
  const root = path.join(base, 'project');
  const outside = path.join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  const project: TempProject = {
    root,
    outside,
    async write(relativePath, content, where = 'root') {
      const target = path.join(where === 'root' ? root : outside, relativePath);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
      return target;
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
  for (const [relativePath, content] of Object.entries(files)) await project.write(relativePath, content);
  return project;
}

export function toolContext(root: string, signal: AbortSignal = new AbortController().signal) {
  return { projectRoot: root, signal };
}
