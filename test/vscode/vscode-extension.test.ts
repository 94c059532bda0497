/**
 * The extension in a real VS Code (code-server, see code-server.ts) against a real `confab serve`
 * child process and the fake OpenAI upstream: the .vsix is built and installed, the workbench opened
 * in Chromium, and the steps below run in order on that one window (starting VS Code costs ~15 s, so
 * the scenarios share it). Each step states what it checks; screenshots go to test-results/vscode/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { spawnServe, type SpawnedServe } from '../support/server-fixture.ts';
import { joined, launchBrowser, waitForValue, wordChunks } from '../web/browser-support.ts';
import { codeServerSkipReason, startCodeServer, type CodeServer } from './code-server.ts';
import { answerDialog, answerInput, lastReplyText, openFile, panelFrame, runCommand, saveScreenshot, statusItem, waitForWorkbench } from './workbench.ts';

const skip = codeServerSkipReason();
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const appSource = 'export function add(a: number, b: number) {\n  return a + b;\n}\n\nexport const answer = add(40, 2);\n';

describe('VS Code extension in code-server', { skip, timeout: 600_000 }, () => {
  let upstream: FakeUpstream;
  let serve: SpawnedServe;
  let editor: CodeServer;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let workspace: string;
  let port: string;
  const timings: string[] = [];

  before(async () => {
    const started = Date.now();
    const build = spawnSync(process.execPath, [join(repoRoot, 'extensions/vscode/scripts/build.ts')], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const vsix = build.stdout.trim().split('\n').at(-1)!;
    timings.push(`build ${Date.now() - started} ms`);

    upstream = await startOpenAIUpstream();
    dataDir = await mkdtemp(join(tmpdir(), 'confab-vscode-data-'));
    const parent = await mkdtemp(join(tmpdir(), 'confab-vscode-ws-'));
    workspace = join(parent, 'calculator');
    await mkdir(join(workspace, 'src'), { recursive: true });
    await writeFile(join(workspace, 'src', 'app.ts'), appSource);
    serve = await spawnServe({ dataDir, upstreamUrl: upstream.url });
    port = new URL(serve.url).port;

    editor = await startCodeServer({ workspace, vsix, settings: { 'confab.serverUrl': serve.url, 'confab.listRefreshSeconds': 1, 'terminal.integrated.gpuAcceleration': 'off' } });
    timings.push(`install-extension ${editor.installMs} ms`);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, deviceScaleFactor: 1 });
    // code-server's clipboard is the browser's: Add Terminal Output goes through it.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(editor.workbenchUrl).origin });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    const opened = Date.now();
    await page.goto(editor.workbenchUrl);
    await waitForWorkbench(page);
    timings.push(`workbench ready ${Date.now() - opened} ms`);
  });

  after(async () => {
    process.stderr.write(`vscode e2e timings: ${timings.join(', ')}\n`);
    await browser?.close();
    await editor?.stop();
    await serve?.kill('SIGKILL');
    await upstream?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (workspace) await rm(join(workspace, '..'), { recursive: true, force: true });
  });

  test('signed out at first; Sign In with the link confab serve printed connects', async () => {
    await waitForValue(() => statusItem(page).textContent(), (text) => /signed out/.test(text ?? ''), 'the signed-out status');
    await saveScreenshot(page, 'signed-out');
    await runCommand(page, 'Confab: Sign In');
    await answerInput(page, 'server URL', `${serve.url}/?token=${serve.token}`);
    await waitForValue(() => statusItem(page).textContent(), (text) => !/signed out/.test(text ?? ''), 'signed in');
  });

  test('Ask About Selection: the folder becomes a project once confirmed, the reply streams into a panel showing the attached lines', async () => {
    await openFile(page, 'app.ts');
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowDown'); // lines 1–3, ending at the start of line 4
    const chunks = wordChunks('sum', 8);
    upstream.enqueue({ kind: 'stream', chunks, holdAfter: 3 });

    await runCommand(page, 'Confab: Ask About Selection');
    await answerInput(page, 'src/app.ts, lines 1–3', 'What does add do?');
    await answerDialog(page, 'Create Project');

    const frame = panelFrame(page);
    await frame.locator('[data-testid="context-chip"]').waitFor();
    assert.match((await frame.locator('[data-testid="context-chip"]').textContent()) ?? '', /src\/app\.ts\s*lines 1–3/);
    await waitForValue(() => lastReplyText(frame), (text) => text === joined(chunks.slice(0, 3)), 'the first words, streaming');
    assert.equal(await frame.locator('[data-testid="assistant-message"]').getAttribute('data-status'), 'streaming');
    upstream.release();
    await frame.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
    assert.equal(await lastReplyText(frame), joined(chunks));
    assert.match(JSON.stringify(upstream.requests.at(-1)!.body.messages), /export function add\(a: number, b: number\) \{\\n  return a \+ b;\\n\}/);
    await frame.locator('[data-testid="message-usage"]').waitFor();
    await saveScreenshot(page, 'ask-about-selection');
  });

  test('Stop from the panel stops the reply where it was', async () => {
    const frame = panelFrame(page);
    const chunks = wordChunks('stop', 10);
    upstream.enqueue({ kind: 'stream', chunks, holdAfter: 2 });
    await frame.getByRole('textbox', { name: 'Message' }).fill('Now explain answer');
    await frame.getByRole('textbox', { name: 'Message' }).press('Enter');
    await waitForValue(() => lastReplyText(frame), (text) => text === joined(chunks.slice(0, 2)), 'the partial reply');
    await frame.getByRole('button', { name: 'Stop' }).click();
    await frame.locator('[data-testid="assistant-message"]').nth(1).and(frame.locator('[data-status="stopped"]')).waitFor();
    assert.equal(await lastReplyText(frame), joined(chunks.slice(0, 2)));
    await upstream.waitForAborts(1);
  });

  test('the server killed mid-reply and restarted: the panel shows it, then resumes with the interrupted reply, and Continue finishes it', async () => {
    const frame = panelFrame(page);
    const chunks = wordChunks('crash', 20);
    upstream.enqueue({ kind: 'stream', chunks, holdAfter: 4 });
    await frame.getByRole('textbox', { name: 'Message' }).fill('Tell me everything');
    await frame.getByRole('textbox', { name: 'Message' }).press('Enter');
    const partial = joined(chunks.slice(0, 4));
    await waitForValue(() => lastReplyText(frame), (text) => text === partial, 'the partial reply');
    await new Promise((resolve) => setTimeout(resolve, 700)); // past the 250 ms checkpoint

    await serve.kill('SIGKILL');
    await waitForValue(() => frame.getByTestId('connection').getAttribute('data-state'), (state) => state === 'reconnecting', 'the panel to notice');
    await saveScreenshot(page, 'server-down');
    serve = await spawnServe({ dataDir, upstreamUrl: upstream.url, args: ['--port', port] });

    await frame.locator('[data-testid="assistant-message"][data-status="interrupted"]').waitFor({ timeout: 30_000 });
    await waitForValue(() => frame.getByTestId('connection').getAttribute('data-state'), (state) => state === 'open', 'connected again');
    assert.equal(await lastReplyText(frame), partial);
    upstream.enqueue({ kind: 'stream', chunks: [{ text: ' and' }, { text: ' the' }, { text: ' rest.' }] });
    await frame.getByRole('button', { name: 'Continue' }).click();
    await frame.locator('[data-testid="assistant-message"]').last().and(frame.locator('[data-status="completed"]')).waitFor();
    assert.equal(await lastReplyText(frame), `${partial} and the rest.`);
    assert.equal(await frame.locator('[data-testid="assistant-message"]').count(), 3);
    assert.equal(await frame.locator('[data-testid="user-message"]').count(), 3);
    await saveScreenshot(page, 'resumed');
  });

  test('Add Terminal Output attaches what the terminal shows to the next message of the panel used last', async () => {
    await runCommand(page, 'Terminal: Create New Terminal');
    await page.locator('.terminal-wrapper .xterm').first().waitFor();
    // The DOM renderer (no GPU here; set in the settings) puts the terminal's text in .xterm-rows.
    await waitForValue(async () => (await page.locator('.xterm-rows').allTextContents()).join(''), (text) => text.trim() !== '', 'the shell prompt');
    await page.locator('.terminal-wrapper .xterm').first().click();
    await page.keyboard.type('echo confab-$((40+2))');
    await page.keyboard.press('Enter');
    await waitForValue(async () => (await page.locator('.xterm-rows').allTextContents()).join('\n'), (text) => text.includes('confab-42'), 'the command output');
    await runCommand(page, 'Confab: Add Terminal Output');
    const frame = panelFrame(page);
    await frame.locator('[data-testid="attachment"]').waitFor();
    assert.match((await frame.locator('[data-testid="attachment"]').textContent()) ?? '', /^terminal: /);
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'It printed 42.' }] });
    await frame.getByRole('textbox', { name: 'Message' }).fill('What did it print?');
    await frame.getByRole('textbox', { name: 'Message' }).press('Enter');
    await waitForValue(() => lastReplyText(frame), (text) => text === 'It printed 42.', 'the reply');
    assert.match(JSON.stringify(upstream.requests.at(-1)!.body.messages), /confab-42/);
    await saveScreenshot(page, 'terminal-output');
  });

  test('two panels on two conversations, both in the Confab view; a reloaded window restores them', async () => {
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Second ' }, { text: 'chat.' }] });
    await runCommand(page, 'Confab: New Chat');
    await page.locator('.tab', { hasText: 'New chat' }).waitFor();
    const second = panelFrame(page);
    await second.getByRole('textbox', { name: 'Message' }).fill('Another topic');
    await second.getByRole('textbox', { name: 'Message' }).press('Enter');
    await second.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
    assert.equal(await lastReplyText(second), 'Second chat.');
    assert.equal(await second.locator('[data-testid="user-message"]').count(), 1);

    await page.locator('.activitybar [aria-label="Confab"]').first().click();
    const list = page.locator('.pane-body .monaco-list-row');
    await waitForValue(async () => (await list.allTextContents()).join(' | '), (text) => text.includes('What does add do?') && text.includes('Another topic'), 'both conversations listed');
    await saveScreenshot(page, 'two-panels');

    await list.filter({ hasText: 'What does add do?' }).first().click();
    await waitForValue(() => lastReplyText(panelFrame(page)), (text) => text === 'It printed 42.', 'the first conversation in view');

    await runCommand(page, 'Developer: Reload Window');
    await waitForWorkbench(page);
    await page.locator('.tab', { hasText: 'Another topic' }).waitFor({ timeout: 60_000 });
    await page.locator('.tab', { hasText: 'What does add do?' }).click();
    await waitForValue(() => lastReplyText(panelFrame(page)), (text) => text === 'It printed 42.', 'the restored panel', 60_000);
    await saveScreenshot(page, 'restored');
  });

  test('math in a reply renders in the panel, KaTeX fonts loaded from the extension under its CSP', async () => {
    const frame = panelFrame(page);
    upstream.enqueue({ kind: 'stream', chunks: [{ text: 'So $f(x)=x^2$ and\n\n' }, { text: '$$\n\\int_0^1 f(x)\\,dx = \\frac{1}{3}\n$$\n' }] });
    await frame.getByRole('textbox', { name: 'Message' }).fill('And in math?');
    await frame.getByRole('textbox', { name: 'Message' }).press('Enter');
    const reply = frame.locator('[data-testid="assistant-message"]').last();
    await reply.locator('.math-display .katex-display').waitFor();
    assert.equal(await reply.locator('.math-inline .katex').count(), 1);
    // KaTeX's layout is in style attributes: a strut has its height only when the CSP lets them apply.
    const strutHeight = await reply.locator('.math-display .strut').first().evaluate((element) => [getComputedStyle(element).height, (element as HTMLElement).style.height]);
    assert.ok(parseFloat(strutHeight[1]) > 0 && parseFloat(strutHeight[0]) > 0, `the strut's style applies: ${strutHeight.join(' / ')}`);
    const fonts = await waitForValue(
      () => reply.evaluate(async () => {
        await document.fonts.ready;
        return [...document.fonts].filter((font) => font.status === 'loaded').map((font) => font.family.replace(/"/g, ''));
      }),
      (families) => families.includes('KaTeX_Main'),
      'KaTeX_Main loaded in the webview',
    );
    assert.ok(fonts.includes('KaTeX_Math'), `KaTeX_Math among ${fonts.join(', ')}`);
    await saveScreenshot(page, 'math-in-panel');
  });
});
