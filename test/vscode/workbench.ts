/**
 * Driving VS Code's workbench (in code-server) from playwright-core: the command palette, input
 * boxes, modal dialogs, and the content of a webview panel. Screenshots go to test-results/vscode/.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FrameLocator, Page } from 'playwright-core';

const screenshotDir = fileURLToPath(new URL('../../test-results/vscode/', import.meta.url));

/** Waits until the workbench is up and the extension has activated (its status bar item shows). */
export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  await statusItem(page).waitFor({ timeout: 90_000 });
}

/** The extension's status bar item. */
export function statusItem(page: Page) {
  return page.locator('.statusbar-item', { hasText: 'Confab' }).first();
}

/** Runs a command by its palette title, e.g. "Confab: Sign In". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = quickInput(page);
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await input.press('Enter');
}

/** Opens a workspace file by name through Quick Open. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = quickInput(page);
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await input.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor();
}

/** Types into the input box a command opened (showInputBox) once its prompt shows, and accepts. */
export async function answerInput(page: Page, prompt: string | RegExp, text: string): Promise<void> {
  await page.locator('.quick-input-widget', { hasText: prompt }).waitFor();
  const input = quickInput(page);
  await input.fill(text);
  await input.press('Enter');
}

function quickInput(page: Page) {
  return page.locator('.quick-input-widget:not([style*="display: none"]) input[type="text"], .quick-input-widget:not([style*="display: none"]) input.input').first();
}

/** Clicks a button of a modal dialog (showInformationMessage with `modal: true`). */
export async function answerDialog(page: Page, button: string): Promise<void> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: button }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** The visible chat panel's page. */
export function panelFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready:visible').frameLocator('#active-frame');
}

/**
 * The Markdown text of the last assistant message in a panel ('' while there is none). VS Code swaps
 * a panel's webview frame when another panel comes to the front or the window reloads; a frame
 * detached between two reads reads as '' too, so the callers' polling reads the new one next.
 */
export async function lastReplyText(frame: FrameLocator): Promise<string> {
  try {
    const reply = frame.locator('[data-testid="assistant-message"]').last();
    if ((await reply.count()) === 0) return '';
    return (await reply.locator('.markdown').allTextContents()).map((text) => text.trim()).join('\n');
  } catch (error) {
    if (/frame was detached/i.test((error as Error).message)) return '';
    throw error;
  }
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}${name}.png` });
}
