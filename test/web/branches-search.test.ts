/**
 * Branches and search in the web UI, in Chromium against a real server (fake OpenAI upstream):
 * regenerate a reply, move between its versions with the arrows, edit and resend a message (the
 * branch shown survives a reload; a phone-width screen reaches every button without hovering);
 * the sidebar's search finds message text and opens the chat; the chat menu exports it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually } from '../support/server-fixture.ts';
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
    await page.waitForURL(`**/c/${conversationId}#message=*`);
    await page.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
    await page.getByRole('searchbox', { name: 'Search chats and messages' }).fill('zebra');
    await hits.getByText('No message matches “zebra”.').waitFor();
    await page.context().close();
  });

  /** Posts a message or a regenerate through the API and waits for the run it queued to complete with `answer`. */
  async function exchange(conversationId: string, path: 'messages' | 'regenerate', body: object, answer: string): Promise<void> {
    web.server.upstream.enqueue({ kind: 'stream', chunks: [{ text: answer }] });
    const posted = await web.server.request('POST', `/v1/conversations/${conversationId}/${path}`, body);
    assert.equal(posted.status, 202);
    const runs = async () => (await web.server.request('GET', `/v1/conversations/${conversationId}`)).body.runs as { id: string; status: string }[];
    await eventually(async () => (await runs()).some((run) => run.id === posted.body.run.id && run.status === 'completed'), 10_000, `the reply "${answer.slice(0, 20)}"`);
  }

  test('a search hit on another branch, far up a long chat, opens that branch scrolled to the message and marks it', async () => {
    const conversationId = await web.newConversation('Fruit');
    await exchange(conversationId, 'messages', { content: 'Name a fruit' }, 'Quinces ripen in autumn.');
    const { messages } = (await web.server.request('GET', `/v1/conversations/${conversationId}`)).body;
    const quince = messages.find((message: { role: string }) => message.role === 'assistant').id as string;
    const longReply = Array.from({ length: 80 }, (_, index) => `Line ${index + 1} of a long answer.`).join('\n\n');
    await exchange(conversationId, 'messages', { content: 'Tell me more' }, longReply);
    // A second version of the first reply: the chat now shows it, and the quince branch is hidden.
    await exchange(conversationId, 'regenerate', { messageId: quince }, 'Pears are sweet.');

    const page = await web.open(`/c/${conversationId}`);
    await shows(page, ['Name a fruit', 'Pears are sweet.'], 'the newer branch');
    await page.getByRole('searchbox', { name: 'Search chats and messages' }).fill('quinces');
    const hit = page.getByTestId('message-hits').getByRole('link').first();
    await waitForValue(() => hit.textContent(), (text) => text?.includes('Quinces ripen in autumn.') ?? false, 'the hit on the hidden branch');
    await hit.click();
    await page.waitForURL(`**/c/${conversationId}#message=${quince}`);

    const found = page.locator('[data-found]');
    await waitForValue(() => found.getAttribute('data-message-id'), (id) => id === quince, 'the found message marked');
    assert.deepEqual((await transcript(page)).slice(0, 3), ['Name a fruit', 'Quinces ripen in autumn.', 'Tell me more']);
    assert.equal(await textOf(found.locator('[data-testid="branch-switcher"]')), '1 / 2');
    // Scrolled to it: the message is inside the transcript's visible box (the chat is far taller than the window).
    const box = (await found.boundingBox())!;
    const view = (await page.locator('.transcript').boundingBox())!;
    assert.ok(box.y >= view.y && box.y + box.height <= view.y + view.height, `the found message is in view: ${JSON.stringify({ box, view })}`);
    assert.ok(await page.locator('.transcript').evaluate((element) => element.scrollHeight > element.clientHeight * 2), 'the chat is long enough to need scrolling');
    await saveScreenshot(page, 'search-hit-branch');
    // The branch choice is the server's (as with the arrows): a reload shows it still.
    const { conversation } = (await web.server.request('GET', `/v1/conversations/${conversationId}`)).body;
    assert.notEqual(conversation.activeMessageId, undefined);
    await page.goto(`${web.server.url}/c/${conversationId}`);
    await waitForValue(async () => (await transcript(page)).slice(0, 2), (texts) => texts[1] === 'Quinces ripen in autumn.', 'the quince branch after a reload');
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
