/**
 * The web UI against a real `confab serve` child process: first run (no project, no model), the
 * signed-out page, and a server killed mid-run and restarted on the same port (the page reconnects
 * by itself, shows the interrupted reply, and Continue carries on from it).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { spawnServe, testModel, type SpawnedServe } from '../support/server-fixture.ts';
import {
  assistantText,
  browserSkipReason,
  ensureWebBuild,
  joined,
  lastAssistant,
  launchBrowser,
  saveScreenshot,
  sendMessage,
  signedInPage,
  textOf,
  waitForValue,
  wordChunks,
} from './browser-support.ts';

const skip = browserSkipReason();

describe('web UI with confab serve', { skip }, () => {
  let browser: Browser;
  let upstream: FakeUpstream;
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    ensureWebBuild();
    browser = await launchBrowser();
    upstream = await startOpenAIUpstream();
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await browser?.close();
    await upstream?.close();
  });

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'confab-web-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  function track(serve: SpawnedServe): SpawnedServe {
    cleanups.push(() => serve.kill('SIGKILL'));
    return serve;
  }

  test('first run: create a project, then learn how to configure a model; a browser without the token is told how to sign in', async () => {
    const serve = track(await spawnServe({ dataDir: await tempDir() }));
    const project = await makeProjectDir();
    cleanups.push(project.cleanup);
    const page = await signedInPage(browser, serve.url, serve.token);
    await page.getByTestId('first-run').waitFor();
    await page.getByTestId('no-model').waitFor();
    await saveScreenshot(page, 'first-run');

    await page.getByRole('textbox', { name: 'Name' }).fill('my-app');
    await page.getByRole('textbox', { name: 'Directory on the server' }).fill(project.path);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('combobox', { name: 'Project' }).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Project' }).inputValue(), 'my-app');
    const help = page.getByTestId('no-model');
    await help.waitFor();
    for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'OLLAMA_HOST', '--config']) assert.ok((await textOf(help)).includes(name), name);
    assert.equal(await page.getByRole('textbox', { name: 'Message', exact: true }).count(), 0);
    await saveScreenshot(page, 'no-model');

    const stranger = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await stranger.goto(serve.url);
    await stranger.getByTestId('signed-out').waitFor();
    assert.match(await textOf(stranger.getByTestId('signed-out')), /Not signed in.*confab serve/s);
    await saveScreenshot(stranger, 'signed-out');
    await stranger.context().close();
    await page.context().close();
  });

  test('a server killed mid-run and restarted: the page reconnects, shows the interrupted reply, and Continue finishes it', async () => {
    const dataDir = await tempDir();
    const project = await makeProjectDir();
    cleanups.push(project.cleanup);
    let serve = track(await spawnServe({ dataDir, upstreamUrl: upstream.url }));
    const port = new URL(serve.url).port;
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${serve.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return response.json();
    };
    await api('POST', '/v1/projects', { name: 'demo', path: project.path });
    const { conversation } = await api('POST', '/v1/conversations', { projectName: 'demo', model: testModel, title: 'Survives a crash' });

    const page = await signedInPage(browser, serve.url, serve.token);
    await page.goto(`${serve.url}/c/${conversation.id}`);
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
    upstream.enqueue({ kind: 'stream', chunks: wordChunks('saved', 30), holdAfter: 8 });
    await sendMessage(page, 'Tell me everything');
    const partial = joined(wordChunks('saved', 8));
    await waitForValue(() => assistantText(page), (text) => text === partial, 'the partial reply');
    await new Promise((resolve) => setTimeout(resolve, 700)); // past the 250 ms checkpoint

    await serve.kill('SIGKILL');
    await waitForValue(() => page.getByTestId('connection').getAttribute('data-state'), (state) => state === 'reconnecting' || state === 'offline', 'the page to notice');
    await saveScreenshot(page, 'server-down');

    serve = track(await spawnServe({ dataDir, upstreamUrl: upstream.url, args: ['--port', port] }));
    assert.equal(new URL(serve.url).port, port);
    await page.locator('[data-testid="assistant-message"][data-status="interrupted"]').waitFor({ timeout: 30_000 });
    await waitForValue(() => page.getByTestId('connection').getAttribute('data-state'), (state) => state === 'connected', 'connected again', 30_000);
    assert.equal(await assistantText(page), partial);
    assert.match(await textOf(lastAssistant(page).locator('.badge')), /^Interrupted/);
    await saveScreenshot(page, 'interrupted');

    upstream.enqueue({ kind: 'stream', chunks: [{ text: ' and' }, { text: ' the' }, { text: ' rest.' }] });
    await lastAssistant(page).getByRole('button', { name: 'Continue' }).click();
    await page.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
    assert.equal(await assistantText(page), `${partial} and the rest.`);
    assert.equal(await page.getByTestId('assistant-message').count(), 1);
    await saveScreenshot(page, 'continued');
    await page.context().close();
  });
});
