/**
 * Branches and search in the web UI, in Chromium against a real server (fake OpenAI upstream):
 * regenerate a reply, move between its versions with the arrows, edit and resend a message (the
 * branch shown survives a reload; a phone-width screen reaches every button without hovering);
 * the sidebar's search finds message text and opens the chat; the chat menu exports it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { useWebFixture } from '../support/web-fixture.ts';
import { browserSkipReason, saveScreenshot, textOf, waitForValue } from './browser-support.ts';

const skip = browserSkipReason();

describe('web UI: branches and search', { skip }, () => {
  const web = useWebFixture();

  const transcript = async (page: Page) => (await page.locator('[data-testid="user-message"] .user-bubble, [data-testid="assistant-message"] .markdown').allTextContents()).map((text) => text.trim());
  const shows = (page: Page, expected: string[], what: string) => waitForValue(() => transcript(page), (texts) => JSON.stringify(texts) === JSON.stringify(expected), what);

  test('regenerate keeps the old reply as a version; the arrows move between them, and a reload keeps the choice', async () => {
    const { page } = await web.answered('Name a colour', 'Red.');
    web.server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Blue.' }] });
    await page.getByRole('button', { name: 'Regenerate reply' }).click();
    await shows(page, ['Name a colour', 'Blue.'], 'the new reply');
    const switcher = page.locator('[data-testid="assistant-message"] [data-testid="branch-switcher"]');
    assert.equal(await textOf(switcher), '2 / 2');
    assert.ok(await switcher.getByRole('button', { name: 'Next version' }).isDisabled());

    await switcher.getByRole('button', { name: 'Previous version' }).click();
    await shows(page, ['Name a colour', 'Red.'], 'the first reply again');
    await waitForValue(() => textOf(switcher), (text) => text === '1 / 2', 'version 1 of 2');
    await saveScreenshot(page, 'branch-switcher');
    await page.reload();
    await shows(page, ['Name a colour', 'Red.'], 'the chosen version after a reload');
    // The prompt of the regenerated reply had only the question.
    assert.deepEqual(web.server.upstream.requests.at(-1)!.body.messages.map((message: { role: string }) => message.role), ['user']);
    await page.context().close();
  });

  test('edit and resend on a phone-width screen: a new version of the message with its own reply', async () => {
    const { page } = await web.answered('What is 2+2?', 'Four.', { width: 390, height: 760 });
    web.server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Six.' }] });
    await page.getByRole('button', { name: 'Edit message' }).click();
    const editor = page.getByRole('textbox', { name: 'Edited message' });
    assert.equal(await editor.inputValue(), 'What is 2+2?');
    await editor.fill('What is 3+3?');
    await page.locator('[data-testid="user-message-editor"]').getByRole('button', { name: 'Send' }).click();
    await shows(page, ['What is 3+3?', 'Six.'], 'the edited message and its reply');
    const switcher = page.locator('[data-testid="user-message"] [data-testid="branch-switcher"]');
    assert.equal(await textOf(switcher), '2 / 2');
    assert.deepEqual(web.server.upstream.requests.at(-1)!.body.messages.map((message: { content: unknown }) => message.content), ['What is 3+3?']);
    await saveScreenshot(page, 'branch-edit-phone');

    await switcher.getByRole('button', { name: 'Previous version' }).click();
    await shows(page, ['What is 2+2?', 'Four.'], 'the original message and reply');
    // Esc leaves an edit without sending anything.
    const before = web.server.upstream.requests.length;
    await page.getByRole('button', { name: 'Edit message' }).click();
    await page.getByRole('textbox', { name: 'Edited message' }).press('Escape');
    await page.locator('[data-testid="user-message-editor"]').waitFor({ state: 'detached' });
    assert.equal(web.server.upstream.requests.length, before);
    await page.context().close();
  });

  test('the sidebar search finds words in messages, marks them, and opens the chat', async () => {
    const { page, conversationId } = await web.answered('Where is the nginx config?', 'In /etc/nginx/nginx.conf, usually.');
    await page.goto(`${web.server.url}/`);
    await page.getByRole('searchbox', { name: 'Search chats and messages' }).fill('NGINX conf');
    const hits = page.getByTestId('message-hits');
    const hit = hits.getByRole('link').first();
    await waitForValue(() => hit.textContent(), (text) => text?.includes('In /etc/nginx/nginx.conf, usually.') ?? false, 'the message hit');
    assert.deepEqual(await hits.locator('li').first().locator('mark').allTextContents(), ['nginx', 'nginx', 'conf']);
    assert.match((await hits.locator('li').nth(1).textContent()) ?? '', /You.*Where is the nginx config\?/);
    await saveScreenshot(page, 'search-messages');
    await hit.click();
    await page.waitForURL(`**/c/${conversationId}`);
    await page.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
    await page.getByRole('searchbox', { name: 'Search chats and messages' }).fill('zebra');
    await hits.getByText('No message matches “zebra”.').waitFor();
    await page.context().close();
  });

  test('the chat menu exports the chat as Markdown and as JSON files', async () => {
    const { page, conversationId } = await web.answered('Export me', 'Exported **reply**.');
    const item = page.locator(`[data-conversation-id="${conversationId}"]`);
    const exported = async (name: string) => {
      await item.hover();
      await item.getByRole('button', { name: 'Options for Export me' }).click();
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name }).click()]);
      const chunks: Buffer[] = [];
      for await (const chunk of (await file.createReadStream()) as AsyncIterable<Buffer>) chunks.push(chunk);
      return { name: file.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
    };
    const markdown = await exported('Export as Markdown');
    assert.equal(markdown.name, 'Export-me.md');
    assert.match(markdown.text, /^# Export me\n[\s\S]*## You\n\nExport me\n\n## Assistant \(fake\/m1\)\n\nExported \*\*reply\*\*\.\n/);
    const json = await exported('Export as JSON');
    assert.equal(json.name, 'Export-me.json');
    assert.deepEqual(JSON.parse(json.text).messages.length, 2);
    await page.context().close();
  });
});
