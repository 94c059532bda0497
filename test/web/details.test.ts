/**
 * Web UI details a new user ran into: a huge paste, a stale sign-in link, where toasts sit, GFM task
 * lists, the New project dialog, conversation menus on touch screens, replies announced to screen
 * readers; and the theme switch and keyboard shortcuts. One Chromium for the file; each test opens its own context. Screenshots: test-results/web/.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { useWebFixture } from '../support/web-fixture.ts';
import { browserSkipReason, saveScreenshot, sendMessage, textOf, waitForValue } from './browser-support.ts';

const skip = browserSkipReason();

describe('web UI details', { skip }, () => {
  const web = useWebFixture();

  async function assertApart(first: Locator, second: Locator, what: string): Promise<void> {
    const a = (await first.boundingBox())!;
    const b = (await second.boundingBox())!;
    const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    assert.ok(!overlap, `${what} overlap: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
  }

  /** Pastes `text` into the composer as a browser paste event does. */
  async function paste(page: Page, text: string): Promise<void> {
    await page.getByRole('textbox', { name: 'Message', exact: true }).evaluate((box, pasted) => {
      const data = new DataTransfer();
      data.setData('text/plain', pasted);
      box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);
  }

  test('a sign-in link with a wrong token shows the "Not signed in" page, not raw JSON', async () => {
    const context = await web.browser.newContext({ viewport: { width: 390, height: 760 }, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(`${web.server.url}/?token=stale-token-from-last-week`);
    await page.getByTestId('signed-out').waitFor();
    assert.equal(new URL(page.url()).search, '', 'the address bar keeps no token and no marker');
    assert.match(await textOf(page.getByTestId('invalid-link')), /token this server does not accept/);
    assert.match(await textOf(page.getByTestId('signed-out')), /Not signed in.*confab serve/s);
    await saveScreenshot(page, 'invalid-link-narrow-dark');
    await context.close();
  });

  test('GFM task lists keep their checkboxes (read-only), other inputs stay text; a reply shows its model and time', async () => {
    const conversationId = await web.newConversation('Tasks');
    const page = await web.open(`/c/${conversationId}`, { colorScheme: 'dark' });
    web.server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Plan:\n\n- [x] write the test\n- [ ] fix the bug\n\n' }, { text: 'Raw: <input type="text" value="x">' }] });
    await sendMessage(page, 'Make a plan');
    const message = page.locator('[data-testid="assistant-message"][data-status="completed"]');
    await message.waitFor();
    const boxes = message.locator('.markdown li input');
    assert.equal(await boxes.count(), 2);
    assert.deepEqual(await boxes.evaluateAll((inputs) => inputs.map((input) => [(input as HTMLInputElement).type, (input as HTMLInputElement).checked, (input as HTMLInputElement).disabled])), [
      ['checkbox', true, true],
      ['checkbox', false, true],
    ]);
    assert.equal(await message.locator('.markdown input[type="text"]').count(), 0);
    assert.match(await textOf(message.locator('.markdown')), /Raw: <input type="text" value="x">/);
    const meta = message.getByTestId('message-meta');
    assert.match(await textOf(meta), /^fake\/m1\d{1,2}:\d{2}/, 'the model and the time of the reply');
    const { messages } = (await web.server.request('GET', `/v1/conversations/${conversationId}`)).body;
    assert.equal(await meta.locator('time').getAttribute('datetime'), new Date(messages.at(-1).createdAt).toISOString());
    await saveScreenshot(page, 'task-list-dark');
    await page.context().close();
  });

  test('the New project dialog drops a stale "already exists" error once the name is edited', async () => {
    const page = await web.open('/');
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('demo');
    await dialog.getByRole('textbox', { name: 'Directory on the server' }).fill(web.server.projectDir);
    await dialog.getByRole('button', { name: 'Create project' }).click();
    const error = dialog.getByRole('alert');
    await error.waitFor();
    assert.match(await textOf(error), /already exists/);
    await dialog.getByRole('textbox', { name: 'Name' }).fill('demo-2');
    await error.waitFor({ state: 'detached' });
    await saveScreenshot(page, 'new-project-edited');
    await page.context().close();
  });

  for (const width of [390, 1024]) {
    test(`on a touch screen ${width} px wide, rename and delete are reachable without hover`, async () => {
      const conversationId = await web.newConversation(`Touch ${width}`);
      const context = await web.browser.newContext({ viewport: { width, height: 760 }, hasTouch: true, isMobile: true, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.goto(`${web.server.url}/?token=${web.server.token}`);
      if (width < 820) await page.getByRole('button', { name: 'Show conversations' }).tap();
      const item = page.locator(`[data-conversation-id="${conversationId}"]`);
      const options = item.getByRole('button', { name: `Options for Touch ${width}` });
      await options.waitFor();
      assert.ok((await options.boundingBox())!.width >= 24, 'the menu button shows without hover');
      await options.tap();
      await page.getByRole('menuitem', { name: 'Rename' }).waitFor();
      await page.getByRole('menuitem', { name: 'Delete' }).waitFor();
      await saveScreenshot(page, `touch-menu-${width}`);
      await context.close();
    });
  }

  test('a finished reply is announced once to screen readers (politely), not token by token', async () => {
    const conversationId = await web.newConversation('Announce');
    const page = await web.open(`/c/${conversationId}`);
    const announcer = page.getByTestId('reply-announcer');
    assert.equal(await announcer.getAttribute('aria-live'), 'polite');
    web.server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'The answer ' }, { text: 'is **42**.' }, { text: ' Really.' }], holdAfter: 2 });
    await sendMessage(page, 'What is the answer?');
    await waitForValue(() => textOf(page.getByTestId('assistant-message')), (text) => text.includes('42'), 'the partial reply');
    assert.equal(await textOf(announcer), '', 'nothing is announced while the reply streams');
    web.server.upstream.release();
    await waitForValue(() => textOf(announcer), (text) => text !== '', 'the announcement');
    assert.equal(await textOf(announcer), 'Assistant replied: The answer is 42. Really.');
    assert.equal(await page.getByRole('log', { name: 'Messages' }).getAttribute('aria-live'), 'off');
    await page.context().close();
  });

  test('the theme can be set to light or dark by hand, is remembered, and System follows the system again', async () => {
    const page = await web.open('/', { colorScheme: 'light' });
    const html = page.locator('html');
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(await html.getAttribute('data-theme'), 'light');
    const light = await background();
    const theme = page.getByRole('combobox', { name: 'Theme' });
    await theme.selectOption('dark');
    assert.equal(await html.getAttribute('data-theme'), 'dark');
    assert.equal(await background(), 'rgb(27, 28, 32)');
    await page.reload();
    await theme.waitFor();
    assert.equal(await html.getAttribute('data-theme'), 'dark', 'remembered across a reload');
    assert.equal(await theme.inputValue(), 'dark');
    await saveScreenshot(page, 'theme-dark-by-hand');
    await theme.selectOption('system');
    assert.equal(await html.getAttribute('data-theme'), 'light');
    assert.equal(await background(), light);
    await page.emulateMedia({ colorScheme: 'dark' });
    await waitForValue(() => html.getAttribute('data-theme'), (value) => value === 'dark', 'System to follow the system');
    await page.context().close();
  });

  test('keyboard shortcuts: a list (Ctrl+/ or the sidebar button), / focuses the message box, Ctrl+Shift+O starts a new chat', async () => {
    const conversationId = await web.newConversation('Shortcuts');
    const page = await web.open(`/c/${conversationId}`);
    const box = page.getByRole('textbox', { name: 'Message', exact: true });
    await box.waitFor();
    await page.getByRole('heading', { name: 'Shortcuts' }).click();
    await page.keyboard.press('/');
    assert.equal(await box.evaluate((element) => element === document.activeElement), true);
    assert.equal(await box.inputValue(), '', 'the slash only moved the focus');
    await page.keyboard.press('Control+/');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    const rows = await dialog.getByTestId('shortcut-list').locator('tr').allTextContents();
    assert.deepEqual(rows, ['EnterSend the message', 'Shift+EnterNew line in the message', 'EscStop the reply', '/Focus the message box', 'Ctrl+Shift+ONew chat', 'Ctrl+/Show these shortcuts']);
    await saveScreenshot(page, 'shortcuts');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.keyboard.press('Control+Shift+O');
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await page.context().close();
  });

  test('a 2 MB paste is refused with the limit message; nothing is sent and the connection stays up', async () => {
    const conversationId = await web.newConversation('Huge paste');
    const page = await web.open(`/c/${conversationId}`);
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
    await waitForValue(() => page.getByTestId('connection').getAttribute('data-state'), (state) => state === 'connected', 'connected');
    let largestFrame = 0;
    page.on('websocket', (socket) => socket.on('framesent', ({ payload }) => (largestFrame = Math.max(largestFrame, payload.length))));
    await paste(page, 'x'.repeat(2 * 1024 * 1024));
    await page.getByTestId('attachment').waitFor();
    await sendMessage(page, 'Summarize the paste');
    const notice = page.locator('.notice-error');
    await notice.waitFor();
    assert.equal(await textOf(notice), 'Not sent: Attached context is over the 256 KiB limit');
    assert.equal(await page.getByRole('textbox', { name: 'Message', exact: true }).inputValue(), 'Summarize the paste', 'the draft is kept');
    assert.equal(await page.getByTestId('user-message').count(), 0);
    assert.ok(largestFrame < 10_000, `no large frame was sent (largest ${largestFrame})`);
    assert.equal(await page.getByTestId('connection').getAttribute('data-state'), 'connected');
    assert.deepEqual((await web.server.request('GET', `/v1/conversations/${conversationId}`)).body.runs, []);
    assert.equal(await textOf(page.getByTestId('attachment')), 'pasted-1.txt1 line');
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width < 800 ? 760 : 800 });
      await page.waitForTimeout(300); // the sidebar's slide-out transition
      await assertApart(notice, page.getByRole('button', { name: 'Send', exact: true }), 'the toast and Send');
      await saveScreenshot(page, `huge-paste-refused-${width}`);
    }
    await page.context().close();
  });
});
