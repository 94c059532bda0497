/**
 * Confab as a user meets it: `npm pack` both packages (confab-server, confab-client) from a copy of
 * the checkout, `npm install` the tarballs in a fresh folder, then run the installed CLI and import
 * the SDK by its package name in Node 24, in Node 20 (when the machine has it) and in a page bundled
 * with Vite and loaded in Chromium. See docs/client-sdk.md, "Install".
 *
 * The install uses npm's cache first (`--prefer-offline`): with the registry's metadata for the
 * server's few dependencies cached (by any earlier run), it needs no network.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { browserSkipReason, launchBrowser } from '../web/browser-support.ts';
import type { Server } from 'node:http';
import { copyCheckout, nodeMajor, pack, repoRoot, runOk, serveInstalled, serveStatic, tarballFiles, type Served } from './support/package-tools.ts';

const fixtures = new URL('./fixtures/', import.meta.url);
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
/**
 * An older Node for the client's Node 20 promise: Debian's, where the machine has one. The one place
 * the project runs the system Node on purpose: confab-client's `engines` says Node 20.
 */
const olderNode = process.env.CONFAB_OLDER_NODE ?? '/usr/bin/node';

describe('the packed packages, installed in a fresh project', () => {
  const work = mkdtempSync(join(tmpdir(), 'confab-package-'));
  const consumer = join(work, 'consumer');
  const projectDir = join(work, 'project');
  let serverTarball = '';
  let clientTarball = '';
  let served: Served | undefined;
  let pageServer: { origin: string; server: Server } | undefined;

  before(async () => {
    const checkout = join(work, 'checkout');
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    mkdirSync(projectDir);
    copyCheckout(checkout);
    [serverTarball, clientTarball] = await Promise.all([pack(checkout, tarballs), pack(join(checkout, 'packages/client'), tarballs)]);
    mkdirSync(consumer);
    cpSync(fixtures, consumer, { recursive: true });
    await runOk('npm', ['init', '-y'], { cwd: consumer, timeoutMs: 30_000 });
    await runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', serverTarball, clientTarball], { cwd: consumer, timeoutMs: 180_000 });
    pageServer = await serveStatic(join(consumer, 'page/dist'));
    served = await serveInstalled(consumer, join(work, 'data'), ['--allow-origin', pageServer.origin]);
  });

  after(async () => {
    await served?.stop();
    pageServer?.server.closeAllConnections();
    pageServer?.server.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('confab-server ships compiled JavaScript with declarations, the built web app, and no tests or sources', () => {
    const files = tarballFiles(serverTarball);
    for (const expected of ['package.json', 'README.md', 'bin/confab.js', 'dist/cli/main.js', 'dist/server/serve.js', 'dist/client/index.js', 'dist/client/index.d.ts', 'web/dist/index.html']) {
      assert.ok(files.includes(expected), `${expected} is in the tarball`);
    }
    assert.ok(files.some((file) => /^web\/dist\/assets\/.+\.js$/.test(file)), 'the web app bundle is in the tarball');
    assertNoTestsOrSources(files);
  });

  it('confab-client ships the SDK alone: compiled JavaScript with declarations, no tests', () => {
    const files = tarballFiles(clientTarball);
    for (const expected of ['package.json', 'README.md', 'dist/client/index.js', 'dist/client/index.d.ts', 'dist/events/definitions.js']) {
      assert.ok(files.includes(expected), `${expected} is in the tarball`);
    }
    assert.deepEqual(files.filter((file) => /^dist\/(server|engine|store|cli|providers|tools)\//.test(file)), [], 'no server code');
    assertNoTestsOrSources(files);
  });

  it('the installed JavaScript refers to no .ts file and imports no test module; the client nothing from Node', () => {
    const installed = join(consumer, 'node_modules');
    for (const [pkg, browserSafe] of [['confab-server', false], ['confab-client', true]] as const) {
      for (const file of listFiles(join(installed, pkg, 'dist')).filter((path) => path.endsWith('.js'))) {
        const text = readFileSync(file, 'utf8');
        // assert.ok, not doesNotMatch: the message names the file without printing all of it.
        assert.ok(!/["'`]\.{1,2}\/[^"'`\n]*\.ts["'`]/.test(text), `${file} names a .ts module`);
        assert.ok(!/node:test|node:assert/.test(text), `${file} imports a test module`);
        if (browserSafe) assert.ok(!/from ["']node:|import\(["']node:/.test(text), `${file} imports from Node`);
      }
    }
  });

  it('the declarations type-check a TypeScript consumer (strict, skipLibCheck off; moduleResolution nodenext and bundler)', async () => {
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    const common = ['--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom', '--skipLibCheck', 'false', 'types-check.mts'];
    await Promise.all([
      runOk(process.execPath, [tsc, ...common, '--module', 'nodenext', '--moduleResolution', 'nodenext'], { cwd: consumer, timeoutMs: 120_000 }),
      runOk(process.execPath, [tsc, ...common, '--module', 'esnext', '--moduleResolution', 'bundler'], { cwd: consumer, timeoutMs: 120_000 }),
    ]);
  });

  it("the installed server's search_text tool runs its worker from dist/", async () => {
    writeFileSync(join(projectDir, 'notes.txt'), 'alpha\nneedle here\n');
    const tool = join(consumer, 'node_modules/confab-server/dist/tools/project/search-text-tool.js');
    const script = `const { createSearchTextTool } = await import(${JSON.stringify(tool)});
      const output = await createSearchTextTool().execute({ query: 'needle', path: '.', regex: false, caseSensitive: false, maxResults: 5 }, { projectRoot: ${JSON.stringify(realpathSync(projectDir))}, signal: new AbortController().signal });
      process.stdout.write(JSON.stringify(output));`;
    const { stdout } = await runOk(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer, timeoutMs: 30_000 });
    assert.deepEqual(JSON.parse(stdout), { matches: [{ path: 'notes.txt', line: 2, text: 'needle here' }], truncated: false });
  });

  it('npx confab --help prints the usage', async () => {
    const { stdout } = await runOk('npx', ['--no', '--', 'confab', '--help'], { cwd: consumer, timeoutMs: 60_000 });
    assert.match(stdout, /^Usage: confab <command> \[options\]/);
    assert.match(stdout, /serve\s+Start the Confab server/);
  });

  it('npx confab serve answers /v1/health and serves the web app', async () => {
    const health = await fetch(`${served!.url}/v1/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', version });
    const page = await fetch(`${served!.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
  });

  for (const moduleName of ['confab-client', 'confab-server/client']) {
    it(`${moduleName} works in Node ${process.versions.node.split('.')[0]}: health, a watch over WebSocket, structured errors`, async () => {
      const result = await sdkCheck(process.execPath, moduleName);
      assert.deepEqual(result, { health: { status: 'ok', version }, watchedTitle: 'from the package', transport: 'websocket', missing: 'not_found' });
    });
  }

  const olderMajor = nodeMajor(olderNode);
  const olderUsable = olderMajor !== undefined && olderMajor >= 20 && olderMajor < 24;
  it('confab-client works in Node 20 (no global WebSocket: it watches over SSE)', { skip: olderUsable ? false : `no Node 20–23 at ${olderNode} (set CONFAB_OLDER_NODE)` }, async () => {
    const result = await sdkCheck(olderNode, 'confab-client');
    assert.deepEqual(result, { health: { status: 'ok', version }, watchedTitle: 'from the package', transport: olderMajor! >= 22 ? 'websocket' : 'sse', missing: 'not_found' });
  });

  const skipBrowser = browserSkipReason();
  it('confab-client works bundled by Vite in a page on its own origin in Chromium', { skip: skipBrowser ?? false }, async () => {
    const pageDir = join(consumer, 'page');
    const { build } = await import('vite');
    await build({ root: pageDir, base: './', configFile: false, logLevel: 'warn', build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' } });
    const bundle = listFiles(join(pageDir, 'dist')).filter((file) => file.endsWith('.js'));
    assert.equal(bundle.length, 1, 'one bundled script');
    assert.doesNotMatch(readFileSync(bundle[0], 'utf8'), /__vite-browser-external/, 'nothing in the bundle needed a Node module');

    const conversation = await createConversation('browser');
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const query = new URLSearchParams({ url: served!.url, token: served!.token, conversation });
      await page.goto(`${pageServer!.origin}/index.html#${query}`);
      const result = await page.evaluate(() => (window as unknown as { packageCheck: Promise<unknown> }).packageCheck);
      assert.deepEqual(errors, []);
      assert.deepEqual(result, { health: { status: 'ok', version }, watchedTitle: 'from the browser', transport: 'websocket' });
    } finally {
      await browser.close();
    }
  });

  /** A directory of its own for each check: the server registers a directory as one project only. */
  function checkDir(label: string): string {
    const dir = join(projectDir, label.replace(/[^a-z0-9-]/gi, '-'));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  async function sdkCheck(node: string, moduleName: string): Promise<unknown> {
    const dir = checkDir(`${moduleName}-${nodeMajor(node)}`);
    const { stdout } = await runOk(node, ['sdk-check.mjs', moduleName, served!.url, served!.token, dir], { cwd: consumer, timeoutMs: 60_000 });
    const { node: ranOn, ...result } = JSON.parse(stdout.trim()) as { node: string };
    assert.equal(ranOn.split('.')[0], nodeMajor(node)?.toString());
    return result;
  }

  /** A conversation made over plain HTTP, for the page to watch. */
  async function createConversation(label: string): Promise<string> {
    const headers = { authorization: `Bearer ${served!.token}`, 'content-type': 'application/json' };
    const name = `package-check-${label}`;
    const project = await fetch(`${served!.url}/v1/projects`, { method: 'POST', headers, body: JSON.stringify({ name, path: checkDir(name) }) });
    assert.equal(project.status, 201, await project.clone().text());
    const created = await fetch(`${served!.url}/v1/conversations`, { method: 'POST', headers, body: JSON.stringify({ projectName: name, title: `from the ${label}` }) });
    assert.equal(created.status, 201, await created.clone().text());
    return ((await created.json()) as { conversation: { id: string } }).conversation.id;
  }
});

function assertNoTestsOrSources(files: string[]): void {
  assert.deepEqual(files.filter((file) => /\.test\.[cm]?[jt]s$|(^|\/)(test|bench|src)\//.test(file)), [], 'no tests, benchmarks or sources');
  assert.deepEqual(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')), [], 'no TypeScript sources');
  assert.ok(files.some((file) => file.endsWith('.d.ts')), 'type declarations');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
