/**
 * `@ai-sdk/react`'s `useChat` in Chromium against a real Confab server: the app in
 * `use-chat-app/` is bundled by vite (the `ai` and `@ai-sdk/react` packages as an app would get
 * them), served from its own origin (Confab allows it with `allowOrigins`), and driven by
 * playwright-core. A reply survives a page reload (`resume: true` replays it and follows it to the
 * end, text exactly once), and Stop stops the run on the server.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { eventually, startTestServer, type TestServer } from '../support/server-fixture.ts';
import { browserSkipReason, launchBrowser, saveScreenshot, waitForValue } from '../web/browser-support.ts';

const skip = browserSkipReason();
const appRoot = fileURLToPath(new URL('./use-chat-app/', import.meta.url));

/** Serves the built app's files on its own origin (not Confab's). */
async function serveDirectory(dir: string): Promise<{ url: string; server: Server }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = join(dir, path.includes('..') ? 'index.html' : path);
    const stream = createReadStream(file);
    stream.once('open', () => res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }));
    stream.once('error', () => res.writeHead(404).end());
    stream.pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('useChat (@ai-sdk/react) in Chromium', { skip }, () => {
  let outDir: string;
  let app: { url: string; server: Server };
  let confab: TestServer;
  let browser: Browser;

  before(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'confab-use-chat-app-'));
    await build({ root: appRoot, configFile: false, logLevel: 'error', build: { outDir, emptyOutDir: true, target: 'es2022' } });
    app = await serveDirectory(outDir);
    confab = await startTestServer({ allowOrigins: [app.url] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await confab?.close();
    await new Promise((resolve) => app?.server.close(resolve));
    await rm(outDir, { recursive: true, force: true });
  });

  const open = async (page: Page) => {
    const query = new URLSearchParams({ server: confab.url, token: confab.token, chat: confab.conversationId });
    await page.goto(`${app.url}/?${query}`);
  };
  const replyText = (page: Page) => page.locator('[data-testid="assistant-message"]').last().locator('[data-testid="text"]').allTextContents().then((texts) => texts.join(''));
  const status = (page: Page) => page.getByTestId('status').textContent();
  const stored = async () => (await confab.request('GET', `/v1/conversations/${confab.conversationId}`)).body;

  it('a reply with a tool call streams in; after a reload mid-reply, resume replays it and follows it to the end, text exactly once', async () => {
    confab.upstream.enqueue(
      { kind: 'stream', chunks: [{ toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] },
      { kind: 'stream', chunks: [{ text: 'Your notes ' }, { text: 'say ' }, { text: 'alpha, beta, gamma.' }], holdAfter: 2 },
    );
    const context = await browser.newContext();
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    page.on('pageerror', (error) => process.stderr.write(`[page error] ${error.message}\n`));
    await open(page);
    await waitForValue(() => status(page), (value) => value === 'ready', 'the app to load');
    await page.getByLabel('Message').fill('What do my notes say?');
    await page.getByRole('button', { name: 'Send' }).click();
    await waitForValue(() => replyText(page), (text) => text === 'Your notes say ', 'the first two deltas');
    assert.equal(await page.getByTestId('tool').getAttribute('data-state'), 'output-available');
    assert.equal(await page.getByTestId('tool').textContent(), 'read_file {"path":"notes.txt"}');

    await page.reload();
    await waitForValue(() => status(page), (value) => value === 'streaming', 'the resumed stream');
    assert.equal(await replyText(page), 'Your notes say ');
    await saveScreenshot(page, 'use-chat-resumed');
    confab.upstream.release();
    await waitForValue(() => status(page), (value) => value === 'ready', 'the reply to end');
    assert.equal(await replyText(page), 'Your notes say alpha, beta, gamma.');
    assert.equal(await page.getByTestId('assistant-message').count(), 1);
    assert.equal(await page.getByTestId('tool').count(), 1);
    const state = await stored();
    assert.equal(await page.getByTestId('assistant-message').getAttribute('data-id'), state.messages[1].id);
    assert.equal(state.messages[1].status, 'completed');
    await context.close();
  });

  it('Stop stops the run on the server: the page keeps the text shown, the stored reply is stopped with that text, and a reload does not resume', async () => {
    confab.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Counting: ' }, { text: 'one, ' }, { text: 'two.' }], holdAfter: 2 });
    const context = await browser.newContext();
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    await open(page);
    await waitForValue(() => status(page), (value) => value === 'ready', 'the app to load');
    await page.getByLabel('Message').fill('Count');
    await page.getByRole('button', { name: 'Send' }).click();
    await waitForValue(() => replyText(page), (text) => text === 'Counting: one, ', 'two deltas');
    await page.getByRole('button', { name: 'Stop' }).click();
    await waitForValue(() => status(page), (value) => value === 'ready', 'the stop');
    await eventually(async () => (await stored()).runs.at(-1).status === 'stopped', 10_000, 'the run to stop');
    const state = await stored();
    const reply = state.messages.at(-1);
    assert.deepEqual([reply.status, reply.parts.map((part: { text?: string }) => part.text).join('')], ['stopped', 'Counting: one, ']);
    assert.equal(await replyText(page), 'Counting: one, ');

    await page.reload();
    await waitForValue(() => page.getByTestId('assistant-message').count(), (count) => count === 2, 'the history');
    assert.equal(await status(page), 'ready');
    assert.equal(await replyText(page), 'Counting: one, ');
    await context.close();
  });
});
