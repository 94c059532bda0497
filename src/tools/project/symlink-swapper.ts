import { spawn } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Test fixture for the check-then-open race: a child process that keeps swapping `<root>/<name>`
 * between a real directory and a symbolic link to a directory outside the project, with two
 * renames per swap, as fast as it can. Both directories hold `file` (`insideContent` and
 * `outsideContent`), so a reader of `<name>/<file>` that ever returns `outsideContent` escaped.
 *
 * A separate process, not timers in this one, so the swaps land between any two system calls of
 * the reader, as an attacker's would. It stops by itself after `maxMs` even if never stopped.
 */
export type SymlinkSwapper = {
  /** The path to read, relative to the project root: `<name>/<file>`. */
  target: string;
  stop(): Promise<void>;
};

export type SymlinkSwapperOptions = {
  root: string;
  outside: string;
  name?: string;
  file?: string;
  insideContent: string;
  outsideContent: string;
  maxMs: number;
};

const swapLoop = `
const { renameSync } = require('node:fs');
const [dir, parkedDir, parkedLink, maxMs] = process.argv.slice(1);
const until = Date.now() + Number(maxMs);
const move = (from, to) => { try { renameSync(from, to); } catch {} };
process.stdout.write('ready\\n');
while (Date.now() < until) {
  move(dir, parkedDir); move(parkedLink, dir);
  move(dir, parkedLink); move(parkedDir, dir);
}
`;

export async function startSymlinkSwapper(options: SymlinkSwapperOptions): Promise<SymlinkSwapper> {
  const name = options.name ?? 'swapped';
  const file = options.file ?? 'file.txt';
  const dir = path.join(options.root, name);
  const parkedDir = path.join(options.root, `${name}.dir`);
  const parkedLink = path.join(options.root, `${name}.link`);
  const outsideDir = path.join(options.outside, name);
  await mkdir(dir, { recursive: true });
  await mkdir(outsideDir, { recursive: true });
  await writeFile(path.join(dir, file), options.insideContent);
  await writeFile(path.join(outsideDir, file), options.outsideContent);
  await symlink(outsideDir, parkedLink);
  const child = spawn(process.execPath, ['-e', swapLoop, dir, parkedDir, parkedLink, String(options.maxMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`symlink swapper exited early (${code})`)));
  });
  return {
    target: `${name}/${file}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
