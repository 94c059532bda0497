/**
 * What test/package needs to meet Confab as a user does: pack the checkout, install the tarballs in
 * a fresh folder, run the installed `confab`. Every child runs in its own process group, which a
 * timeout or `stop()` ends as a whole (npm and npx start children of their own).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The environment for every child: this Node (24) first on PATH, so `npm`, `npx` and the `confab`
 * bin run on it; without the outer npm's `npm_*` settings (under `npm test` they would steer the
 * inner npm), the test runner's context, and any provider or Confab variable of the developer's.
 */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_TEST|CONFAB_|OPENAI_|ANTHROPIC_|OLLAMA_)/i.test(name)) continue;
    env[name] = value;
  }
  env.PATH = `${dirname(process.execPath)}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH ?? ''}`;
  return env;
}

export type RunResult = { code: number | null; stdout: string; stderr: string };

/** Runs a command to its end; past `timeoutMs` its whole process group is killed. */
export function run(command: string, args: string[], options: { cwd: string; timeoutMs: number }): Promise<RunResult> {
  const child = spawn(command, args, { cwd: options.cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => killGroup(child.pid), options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `run` that throws with the command's output unless it exits 0. */
export async function runOk(command: string, args: string[], options: { cwd: string; timeoutMs: number }): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Build output, installs and local state: never copied, so the copy packs from sources alone. */
const notCopied = new Set(['.git', 'node_modules', 'dist', 'test-results', '.confab', '.build-lock', 'results']);

/**
 * Copies the checkout's sources to `dest` and links its node_modules. Packing the copy, not the
 * checkout, keeps the build (which empties dist/ and web/dist/) away from the browser tests running
 * beside this one, and proves the package builds from sources alone.
 */
export function copyCheckout(dest: string): void {
  cpSync(repoRoot, dest, {
    recursive: true,
    filter: (source) => {
      const path = relative(repoRoot, source);
      return !path.split(sep).some((part) => notCopied.has(part)) && !path.endsWith('.tgz');
    },
  });
  symlinkSync(realpathSync(join(repoRoot, 'node_modules')), join(dest, 'node_modules'), 'dir');
}

/** `npm pack` in `dir` (its prepack builds what it ships) into `dest`; returns the tarball's path. */
export async function pack(dir: string, dest: string): Promise<string> {
  const { stdout } = await runOk('npm', ['pack', '--pack-destination', dest], { cwd: dir, timeoutMs: 300_000 });
  const name = stdout.trim().split('\n').at(-1)!.trim();
  if (!name.endsWith('.tgz')) throw new Error(`npm pack printed no tarball name:\n${stdout}`);
  return join(dest, name);
}

/** The files in a tarball, without npm's `package/` prefix. */
export function tarballFiles(tarball: string): string[] {
  const result = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tar -tzf ${tarball} failed: ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line && !line.endsWith('/')).map((line) => line.replace(/^package\//, ''));
}

/** The major version of the Node at `path`, or undefined when there is none. */
export function nodeMajor(path: string): number | undefined {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8' });
  const match = result.status === 0 ? /^v(\d+)\./.exec(result.stdout) : null;
  return match ? Number(match[1]) : undefined;
}

export type Served = { url: string; token: string; stop(): Promise<void> };

/** `npx confab serve --port 0` in the consumer folder, once it printed its URL. */
export async function serveInstalled(consumerDir: string, dataDir: string, extraArgs: string[] = []): Promise<Served> {
  const child = spawn('npx', ['--no', '--', 'confab', 'serve', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    cwd: consumerDir,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => killGroup(child.pid), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`confab serve printed no URL in 30 s; stdout: ${out} stderr: ${err}`)), 30_000);
    const check = () => {
      const match = /Confab is running at (http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`confab serve exited before printing its URL; stdout: ${out} stderr: ${err}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const [, url, token] = /Confab is running at (http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(line)!;
  return { url, token: decodeURIComponent(token), stop };
}

/**
 * A static file server on 127.0.0.1 for the bundled page: an app on its own origin, as a user's
 * would be. (A page fulfilled by Playwright's `route` has no address, so Chromium's local network
 * checks would block its WebSocket to 127.0.0.1.)
 */
export async function serveStatic(dir: string): Promise<{ origin: string; server: Server }> {
  const types: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8' };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (relative(dir, file).startsWith('..')) return void res.writeHead(404).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': types[file.split('.').at(-1)!] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
