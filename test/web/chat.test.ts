/**
 * The web UI in a real browser against a real server (fake OpenAI upstream): streaming, stop,
 * reload mid-stream, two tabs, retries, tool cards, context and queueing, rename/search/delete.
 * One Chromium for the file; each test opens its own context. Screenshots: test-results/web/.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { testModel } from '../support/server-fixture.ts';
import { type PageOptions, useWebFixture } from '../support/web-fixture.ts';
import {
  assistantText,
  browserSkipReason,
  joined,
  lastAssistant,
  saveScreenshot,
  sendMessage,
  textOf,
  waitForValue,
  wordChunks,
} from './browser-support.ts';

const skip = browserSkipReason();

describe('web UI', { skip }, () => {
  const web = useWebFixture();
  const pages: Page[] = [];

  async function open(path = '/', options?: PageOptions): Promise<Page> {
    const page = await web.open(path, options);
    pages.push(page);
    return page;
  }

  test('a sent message streams in token by token, rendered as Markdown with usage and cost', async () => {
    const chunks = [
      { text: 'Here is ' },
      { text: 'a **bold** ' },
      { text: 'answer.\n\n' },
      { text: '```ts\n' },
      { text: 'const answer: number = 42;\n' },
      { text: '```\n\n' },
      ...wordChunks('token', 30),
    ];
    // It holds after token4 until released, so the page is seen mid-stream however slow the machine.
    web.server.upstream.enqueue({ kind: 'stream', chunks, delayMs: 40, holdAfter: 10, usage: { inputTokens: 1200, outputTokens: 36 } });
    const page = await open('/');
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
    await sendMessage(page, 'Show me some code');

    // Streaming: the message exists, is marked streaming, and grows before it is done.
    await page.waitForURL(/\/c\//);
    const partial = await waitForValue(() => textOf(lastAssistant(page).locator('.markdown').last()), (text) => text.includes('token3'), 'partial text');
    assert.equal(await lastAssistant(page).getAttribute('data-status'), 'streaming');
    assert.ok(!partial.includes('token30'), 'the text arrived in pieces, not at once');
    await saveScreenshot(page, 'streaming');
    web.server.upstream.release();

    await page.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
    const message = lastAssistant(page);
    assert.equal(await message.locator('strong').textContent(), 'bold');
    assert.equal(await message.locator('.code-block .code-lang').textContent(), 'ts');
    assert.ok((await message.locator('.code-block .hljs-keyword').count()) > 0, 'the code is highlighted');
    await message.getByRole('button', { name: 'Copy code' }).waitFor();
    assert.equal(await textOf(message.getByTestId('message-usage')), '1,200 in · 36 out · $0.0013');
    assert.match(await textOf(page.getByTestId('conversation-total')), /^Total: 1,200 in · 36 out · \$0\.0013$/);
    assert.equal(await textOf(page.getByTestId('chat-title')), 'Show me some code');
    await page.getByTestId('conversation-item').filter({ hasText: 'Show me some code' }).waitFor();
    await saveScreenshot(page, 'completed-markdown');
  });

  test('Esc stops a run mid-stream: the partial message stays, marked stopped, with Continue', async () => {
    const conversationId = await web.newConversation('Stop me');
    const page = await open(`/c/${conversationId}`);
    web.server.upstream.enqueue({ kind: 'stream', chunks: wordChunks('part', 20), holdAfter: 5 });
    await sendMessage(page, 'Write a long story');
    await waitForValue(() => assistantText(page), (text) => text === joined(wordChunks('part', 5)), 'five words');
    await page.getByRole('button', { name: 'Stop', exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="assistant-message"][data-status="stopped"]').waitFor();
    assert.equal(await assistantText(page), joined(wordChunks('part', 5)));
    assert.equal(await textOf(lastAssistant(page).locator('.badge')), 'Stopped');
    await lastAssistant(page).getByRole('button', { name: 'Continue' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Stop', exact: true }).count(), 0);
    await saveScreenshot(page, 'stopped');
  });

  test('a reload mid-stream resumes the reply with nothing missing and nothing doubled', async () => {
    const conversationId = await web.newConversation('Reload me');
    const page = await open(`/c/${conversationId}`);
    const chunks = wordChunks('w', 80);
    web.server.upstream.enqueue({ kind: 'stream', chunks, delayMs: 25 });
    await sendMessage(page, 'Count words');
    const before = await waitForValue(() => assistantText(page), (text) => text.includes('w15'), 'some words before the reload');
    assert.ok(!before.includes('w80'));
    await page.reload();
    // While it streams on, every state the reloaded page shows is a prefix of the upstream's text:
    // no word doubled, none skipped.
    const full = joined(chunks);
    const seen = new Set<string>();
    await waitForValue(
      async () => {
        const text = await assistantText(page);
        assert.ok(full.startsWith(text), `not a prefix of the upstream text: ${text}`);
        if (text) seen.add(text);
        return lastAssistant(page).getAttribute('data-status').catch(() => null);
      },
      (status) => status === 'completed',
      'the reply to complete',
    );
    assert.ok(seen.size > 1, 'the reloaded page watched the reply grow');
    assert.equal(await assistantText(page), full);
    assert.equal(await page.getByTestId('assistant-message').count(), 1);
    assert.equal(await page.getByTestId('user-message').count(), 1);
    await saveScreenshot(page, 'reload-resumed');
  });

  test('two tabs on one conversation stay in sync, and Stop works from the second', async () => {
    const conversationId = await web.newConversation('Two tabs');
    const first = await open(`/c/${conversationId}`);
    const second = await open(`/c/${conversationId}`);
    await second.getByRole('heading', { name: 'How can I help?' }).waitFor();
    web.server.upstream.enqueue({ kind: 'stream', chunks: wordChunks('sync', 20), holdAfter: 6 });
    await sendMessage(first, 'Hello from the first tab');
    const expected = joined(wordChunks('sync', 6));
    await waitForValue(() => assistantText(first), (text) => text === expected, 'first tab text');
    await waitForValue(() => assistantText(second), (text) => text === expected, 'second tab text');
    assert.equal(await textOf(second.getByTestId('user-message')), 'Hello from the first tab');
    await second.getByRole('button', { name: 'Stop', exact: true }).click();
    for (const page of [first, second]) {
      await page.locator('[data-testid="assistant-message"][data-status="stopped"]').waitFor();
      assert.equal(await assistantText(page), expected);
      assert.equal(await page.getByRole('button', { name: 'Stop', exact: true }).count(), 0);
    }
    await saveScreenshot(second, 'two-tabs-second');
  });

  test('a 429 from upstream shows a counting-down retry notice, then the full answer', async () => {
    const conversationId = await web.newConversation('Retry');
    const page = await open(`/c/${conversationId}`);
    const chunks = wordChunks('ok', 12);
    web.server.upstream.enqueue({ kind: 'error', status: 429, message: 'Rate limit reached', headers: { 'retry-after': '2' } }, { kind: 'stream', chunks, delayMs: 10 });
    await sendMessage(page, 'Try hard');
    const notice = page.getByTestId('retry-notice');
    await notice.waitFor();
    assert.match(await textOf(notice), /^Retry 1 of 3 in [12] s — rate limited$/);
    await saveScreenshot(page, 'retry-notice');
    await page.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor({ timeout: 10_000 });
    assert.equal(await assistantText(page), joined(chunks));
    assert.equal(await notice.count(), 0);
  });

  test('a tool call renders as a card with name, input, status and result', async () => {
    const conversationId = await web.newConversation('Tools');
    const page = await open(`/c/${conversationId}`);
    web.server.upstream.enqueue(
      { kind: 'stream', chunks: [{ text: 'Let me look.' }, { toolCall: { id: 'call_1', name: 'read_file', arguments: '{"path":"README.md"}' } }] },
      { kind: 'stream', chunks: [{ text: 'The README starts with a **Demo** heading.' }] },
    );
    await sendMessage(page, 'What is in the README?');
    await page.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
    const card = page.getByTestId('tool-card');
    assert.equal(await card.getAttribute('data-status'), 'completed');
    assert.equal(await textOf(card.locator('.tool-name')), 'read_file');
    assert.equal(await textOf(card.locator('.tool-summary')), 'path: README.md');
    assert.equal(await textOf(card.locator('.tool-status')), 'Completed');
    await card.getByRole('button', { name: /read_file/ }).click();
    const body = await textOf(card.locator('.tool-body'));
    assert.match(body, /"path": "README.md"/);
    assert.match(body, /# Demo\nline two/);
    assert.match(await textOf(lastAssistant(page)), /The README starts with a Demo heading\./);
    await saveScreenshot(page, 'tool-card');
  });

  test('context attachments show on the user message, and a message sent while busy is shown queued', async () => {
    const conversationId = await web.newConversation('Context and queue');
    const page = await open(`/c/${conversationId}`, { colorScheme: 'dark' });
    web.server.upstream.enqueue({ kind: 'stream', chunks: wordChunks('first', 10), holdAfter: 3 }, { kind: 'stream', chunks: wordChunks('second', 4) });
    await page.getByRole('button', { name: 'Attach context' }).click();
    const dialog = page.getByRole('dialog', { name: 'Attach context' });
    await dialog.getByRole('textbox', { name: /Path in/ }).fill('README.md');
    await dialog.getByRole('spinbutton', { name: 'From line (optional)' }).fill('1');
    await dialog.getByRole('spinbutton', { name: 'To line (optional)' }).fill('2');
    await saveScreenshot(page, 'attach-dialog-dark');
    await dialog.getByRole('button', { name: 'Attach' }).click();
    await page.getByTestId('attachment').waitFor();
    await sendMessage(page, 'Summarize this file');
    const chip = page.getByTestId('user-message').getByTestId('context-chip');
    await chip.waitFor();
    assert.equal(await textOf(chip), 'README.mdlines 1–2');
    await waitForValue(() => assistantText(page), (text) => text === joined(wordChunks('first', 3)), 'first reply started');
    await sendMessage(page, 'And then this');
    const queued = page.getByTestId('pending-message');
    await waitForValue(() => textOf(queued), (text) => text.includes('And then this') && text.includes('Queued'), 'queued message');
    await chip.click();
    assert.match(await textOf(page.locator('.context-preview')), /# Demo\nline two/);
    await saveScreenshot(page, 'context-and-queued-dark');
    web.server.upstream.release();
    await waitForValue(() => page.locator('[data-testid="assistant-message"][data-status="completed"]').count(), (count) => count === 2, 'both replies');
    assert.equal(await page.getByTestId('pending-message').count(), 0);
    assert.equal(await assistantText(page), joined(wordChunks('second', 4)));
  });

  test('the system prompt is set per conversation and reaches the model', async () => {
    const conversationId = await web.newConversation('System prompt');
    const page = await open(`/c/${conversationId}`);
    assert.equal(await page.getByRole('combobox', { name: 'Model' }).inputValue(), testModel);
    await page.getByRole('button', { name: 'System prompt', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'System prompt' });
    await dialog.getByRole('textbox').fill('Answer like a pirate.');
    await saveScreenshot(page, 'system-prompt-dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'System prompt (set)' }).waitFor();
    assert.equal((await web.server.request('GET', `/v1/conversations/${conversationId}`)).body.conversation.systemPrompt, 'Answer like a pirate.');
    const requests = web.server.upstream.requests.length;
    web.server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Arr.' }] });
    await sendMessage(page, 'Hello');
    await page.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
    const sent = web.server.upstream.requests[requests].body.messages;
    assert.deepEqual(sent[0], { role: 'system', content: 'Answer like a pirate.' });
  });

  test('a refused send is explained in words, and the draft and its attachment are kept', async () => {
    const conversationId = await web.newConversation('Refused');
    const page = await open(`/c/${conversationId}`);
    await page.getByRole('button', { name: 'Attach context' }).click();
    const dialog = page.getByRole('dialog', { name: 'Attach context' });
    await dialog.getByRole('textbox', { name: /Path in/ }).fill('missing.txt');
    await dialog.getByRole('button', { name: 'Attach' }).click();
    await sendMessage(page, 'Read this');
    const notice = page.locator('.notice-error');
    await notice.waitFor();
    assert.equal(await textOf(notice), 'Not sent: No such file or directory: missing.txt');
    assert.equal(await page.getByRole('textbox', { name: 'Message', exact: true }).inputValue(), 'Read this');
    assert.equal(await textOf(page.getByTestId('attachment')), 'missing.txt');
    assert.equal(await page.getByTestId('user-message').count(), 0);
    await page.setViewportSize({ width: 390, height: 760 });
    await page.waitForTimeout(400); // the sidebar's slide-out transition
    await saveScreenshot(page, 'refused-send-narrow');
  });

  test('conversations can be searched, renamed and deleted (after confirmation)', async () => {
    await web.newConversation('Alpha plans');
    const doomed = await web.newConversation('Beta notes');
    const page = await open('/');
    const list = page.getByTestId('conversation-list');
    await list.getByText('Beta notes').waitFor();
    await page.getByRole('searchbox', { name: 'Search chats and messages' }).fill('alpha');
    await waitForValue(() => list.getByTestId('conversation-item').allTextContents(), (items) => items.length === 1 && items[0].includes('Alpha plans'), 'search result');
    await page.getByRole('searchbox', { name: 'Search chats and messages' }).fill('');

    const item = list.locator(`[data-conversation-id="${doomed}"]`);
    await item.hover();
    await item.getByRole('button', { name: 'Options for Beta notes' }).click();
    await page.getByRole('menuitem', { name: 'Rename' }).click();
    const input = item.getByRole('textbox', { name: 'New title' });
    await input.fill('Gamma notes');
    await input.press('Enter');
    await item.getByText('Gamma notes').waitFor();
    assert.equal((await web.server.request('GET', `/v1/conversations/${doomed}`)).body.conversation.title, 'Gamma notes');

    await item.hover();
    await item.getByRole("button", { name: "Options for Gamma notes" }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete chat?' });
    await confirm.waitFor();
    await saveScreenshot(page, 'delete-confirm');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await item.waitFor({ state: 'detached' });
    assert.equal((await web.server.request('GET', `/v1/conversations/${doomed}`)).status, 404);
    await saveScreenshot(page, 'after-delete');
  });
});
