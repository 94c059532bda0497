/**
 * The bad paths of path-traversal.test.ts, and the files they need: a directory outside the
 * project holding a secret, and inside the project symlinks out (to a file, a directory, /dev,
 * /proc/self), a FIFO, a Unix socket, a symlink loop, an unreadable file and a directory.
 * Every case names the stable code a client must get; none may ever yield the secret.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const outsideSecret = 'OUTSIDE-SECRET-7f3a9c';

export type ErrorCode = 'bad_request' | 'not_found' | 'forbidden';
export type CorpusCase = { name: string; path: string; code: ErrorCode; skip?: string };
export type Corpus = { outside: string; cases: CorpusCase[]; cleanup(): Promise<void> };

const runningAsRoot = process.getuid?.() === 0;

export async function buildCorpus(projectDir: string): Promise<Corpus> {
  const outside = await mkdtemp(join(tmpdir(), 'confab-outside-'));
  await writeFile(join(outside, 'secret.txt'), `${outsideSecret}\n`);
  await mkdir(join(outside, 'sub'));
  await writeFile(join(outside, 'sub', 'secret.txt'), `${outsideSecret}\n`);
  const at = (name: string) => join(projectDir, name);
  await symlink(join(outside, 'secret.txt'), at('link-file'));
  await symlink(outside, at('link-dir'));
  await symlink('../' + outside.split('/').pop() + '/secret.txt', at('link-relative'));
  await symlink('/dev/zero', at('dev-zero'));
  await symlink('/dev', at('dev-dir'));
  await symlink('/proc/self/environ', at('proc-environ'));
  await symlink('/proc/self/root', at('proc-root'));
  await symlink('/proc/self/fd', at('proc-fd'));
  await symlink('loop-b', at('loop-a'));
  await symlink('loop-a', at('loop-b'));
  execFileSync('mkfifo', [at('pipe')]);
  await symlink('pipe', at('pipe-link'));
  const socketServer = createServer();
  await new Promise<void>((resolve) => socketServer.listen(at('sock'), resolve));
  await mkdir(at('dir'));
  await writeFile(at('dir/inner.txt'), 'inner\n');
  await writeFile(at('locked.txt'), 'locked\n');
  await chmod(at('locked.txt'), 0o000);

  const cases: CorpusCase[] = [
    { name: 'parent escape', path: '../secret.txt', code: 'bad_request' },
    { name: 'deep parent escape', path: 'dir/../../../../etc/passwd', code: 'bad_request' },
    { name: 'parent that stays inside', path: 'dir/../README.md', code: 'bad_request' },
    { name: 'backslash parent escape', path: '..\\..\\etc\\passwd', code: 'bad_request' },
    { name: 'absolute path', path: '/etc/passwd', code: 'bad_request' },
    { name: 'absolute path to the outside secret', path: join(outside, 'secret.txt'), code: 'bad_request' },
    { name: 'windows absolute path', path: 'C:\\Windows\\win.ini', code: 'bad_request' },
    { name: 'symlink to an outside file', path: 'link-file', code: 'bad_request' },
    { name: 'relative symlink out', path: 'link-relative', code: 'bad_request' },
    { name: 'symlink to an outside directory', path: 'link-dir', code: 'bad_request' },
    { name: 'file below a symlinked outside directory', path: 'link-dir/secret.txt', code: 'bad_request' },
    { name: 'deeper below it', path: 'link-dir/sub/secret.txt', code: 'bad_request' },
    { name: 'missing file below it', path: 'link-dir/missing.txt', code: 'bad_request' },
    { name: 'symlink to /dev/zero', path: 'dev-zero', code: 'bad_request' },
    { name: 'a device below a symlink to /dev', path: 'dev-dir/null', code: 'bad_request' },
    { name: '/proc/self/environ by symlink', path: 'proc-environ', code: 'bad_request' },
    { name: '/etc/passwd through /proc/self/root', path: 'proc-root/etc/passwd', code: 'bad_request' },
    { name: 'a descriptor through /proc/self/fd', path: 'proc-fd/0', code: 'bad_request' },
    { name: 'symlink loop', path: 'loop-a', code: 'bad_request' },
    { name: 'FIFO', path: 'pipe', code: 'bad_request' },
    { name: 'symlink to a FIFO', path: 'pipe-link', code: 'bad_request' },
    { name: 'Unix socket', path: 'sock', code: 'bad_request' },
    { name: 'directory given as a file', path: 'dir', code: 'bad_request' },
    { name: 'the project root given as a file', path: '.', code: 'bad_request' },
    { name: 'a file given as a directory', path: 'README.md/x', code: 'not_found' },
    { name: 'missing file', path: 'missing.txt', code: 'not_found' },
    { name: 'percent-encoded parent (a plain name here)', path: '%2e%2e/secret.txt', code: 'not_found' },
    { name: 'a name of exactly 255 bytes', path: 'n'.repeat(255), code: 'not_found' },
    { name: 'a name over 255 bytes', path: 'n'.repeat(256), code: 'bad_request' },
    { name: 'a name over 255 bytes in UTF-8 (128 characters)', path: 'é'.repeat(128), code: 'bad_request' },
    { name: 'a path over 4095 bytes', path: 'd/'.repeat(2100) + 'x', code: 'bad_request' },
    { name: 'a path of 70,000 bytes', path: 'x/'.repeat(35_000), code: 'bad_request' },
    { name: 'NUL byte', path: 'README.md\u0000.png', code: 'bad_request' },
    { name: 'NUL byte before an escape', path: '\u0000../secret.txt', code: 'bad_request' },
    {
      name: 'unreadable file (chmod 000)',
      path: 'locked.txt',
      code: 'forbidden',
      skip: runningAsRoot ? 'running as root: chmod 000 does not stop root from reading' : undefined,
    },
  ];
  return {
    outside,
    cases,
    async cleanup() {
      await new Promise<void>((resolve) => socketServer.close(() => resolve()));
      await rm(outside, { recursive: true, force: true });
    },
  };
}
