/**
 * Browser end-to-end support: Debian's Chromium driven by playwright-core (no browser download),
 * the built web app, screenshots under test-results/web/.
 *
 *   const browser = await launchBrowser();                 // one per test file; several contexts
 *   const page = await signedInPage(browser, server.url, server.token);
 *   await page.goto(`${server.url}/c/${id}`);
 *   await saveScreenshot(page, 'stop-mid-run');
 *
 * Chromium missing: the suite is skipped with a reason, unless CI is set (then it fails).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const chromiumPath = process.env.CONFAB_CHROMIUM ?? '/usr/bin/chromium';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const webDist = `${repoRoot}web/dist`;
const screenshotDir = `${repoRoot}test-results/web`;

/** Why the browser tests cannot run here, or undefined when they can. Throws under CI: CI must run them. */
export function browserSkipReason(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const reason = `${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;
  if (process.env.CI) throw new Error(`CI is set and ${reason}.`);
  return reason;
}

/** What the bundle is built from: the app and the SDK sources it bundles. */
const webSources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'src/client', 'src/events', 'src/domain'];

/**
 * Builds web/dist when it is missing or older than its sources, so the tests never run a stale
 * bundle. Test files run in parallel: a lock directory makes one of them build while the others wait.
 */
export function ensureWebBuild(): void {
  if (!webBuildStale()) return;
  const lock = `${repoRoot}web/.build-lock`;
  const deadline = Date.now() + 120_000;
  while (true) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    if (!webBuildStale()) return;
    const result = spawnSync('npm', ['run', 'build:web'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) throw new Error('npm run build:web failed');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function webBuildStale(): boolean {
  const index = `${webDist}/index.html`;
  if (!existsSync(index)) return true;
  const builtAt = statSync(index).mtimeMs;
  return webSources.some((source) => newestChange(`${repoRoot}${source}`) > builtAt);
}

function newestChange(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newestChange(`${path}/${name}`)));
}

export async function launchBrowser(): Promise<Browser> {
  // Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir in args).
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new browser context signed in through the `/?token=` hand-off, on `/`. */
export async function signedInPage(browser: Browser, url: string, token: string, options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`[page error] ${error.message}\n`));
  await page.goto(`${url}/?token=${encodeURIComponent(token)}`);
  return page;
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}/${name}.png` });
}

/** Polls `read` until `accept` holds; the last value is in the error otherwise. */
export async function waitForValue<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}

/** The visible text of a locator ('' when it is not there). */
export async function textOf(locator: Locator): Promise<string> {
  return (await locator.count()) === 0 ? '' : ((await locator.first().textContent()) ?? '');
}

/** The last assistant message of the page. */
export function lastAssistant(page: Page): Locator {
  return page.locator('[data-testid="assistant-message"]').last();
}

/** Its Markdown text (what the reader reads, without code-block chrome). */
export async function assistantText(page: Page): Promise<string> {
  const blocks = await lastAssistant(page).locator('.markdown').allTextContents();
  return blocks.map((text) => text.trim()).join('\n');
}

/** Types into the composer and presses Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** `n` words of plain text, one word per upstream chunk, so the rendered text is exactly the concatenation. */
export function wordChunks(prefix: string, n: number): { text: string }[] {
  return Array.from({ length: n }, (_, index) => ({ text: `${index === 0 ? '' : ' '}${prefix}${index + 1}` }));
}

export function joined(chunks: { text: string }[]): string {
  return chunks.map((chunk) => chunk.text).join('');
}
