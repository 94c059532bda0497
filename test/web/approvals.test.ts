/**
 * The web UI's approval card: a tool call waiting for the user shows the tool, its input and the
 * four answers in every window; answering in one window clears the card everywhere and the reply
 * carries on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { UpstreamResponse } from '../peers/upstream-script.ts';
import { startTestServer, testModel, type TestServer } from '../support/server-fixture.ts';
import { assistantText, browserSkipReason, ensureWebBuild, launchBrowser, saveScreenshot, sendMessage, signedInPage, textOf, waitForValue, webDist } from './browser-support.ts';

const skip = browserSkipReason();
const readCall: UpstreamResponse = { kind: 'stream', chunks: [{ toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] };

describe('web UI: approvals', { skip }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    ensureWebBuild();
    server = await startTestServer({ staticDir: webDist, approvals: { tools: ['read_file'] } });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the card shows in every window; "Always allow" in one clears it everywhere and the reply carries on', async () => {
    server.upstream.enqueue(readCall, { kind: 'stream', chunks: [{ text: 'Your notes say alpha.' }] });
    const created = await server.request('POST', '/v1/conversations', { projectName: 'demo', model: testModel, title: 'Approvals' });
    const id = created.body.conversation.id;
    const first = await signedInPage(browser, server.url, server.token);
    await first.goto(`${server.url}/c/${id}`);
    await sendMessage(first, 'Read my notes');
    const card = first.getByTestId('approval-card');
    await card.waitFor();
    assert.match(await textOf(card), /Allow read_file to run\?/);
    assert.match(await textOf(card.locator('pre')), /"path": "notes.txt"/);
    const buttons = await card.getByRole('button').allTextContents();
    assert.deepEqual(buttons, ['Allow once', 'Always allow', 'Deny', 'Always deny']);
    assert.equal(await first.getByTestId('tool-card').getAttribute('data-status'), 'awaiting-approval');
    await saveScreenshot(first, 'approval-card');

    const second = await signedInPage(browser, server.url, server.token);
    await second.goto(`${server.url}/c/${id}`);
    const otherCard = second.getByTestId('approval-card');
    await otherCard.waitFor();
    await otherCard.getByRole('button', { name: 'Always allow' }).click();

    await card.waitFor({ state: 'detached' });
    await otherCard.waitFor({ state: 'detached' });
    await waitForValue(() => assistantText(first), (text) => text.includes('Your notes say alpha.'), 'the reply');
    assert.equal(await first.getByTestId('tool-card').getAttribute('data-status'), 'completed');
    const { body } = await server.request('GET', `/v1/conversations/${id}`);
    assert.deepEqual(body.conversation.toolRules, { read_file: 'allow' });
    await first.close();
    await second.close();
  });

  test('a note goes to the model with "Deny"', async () => {
    server.upstream.enqueue(readCall, { kind: 'stream', chunks: [{ text: 'Fine, I will not.' }] });
    const created = await server.request('POST', '/v1/conversations', { projectName: 'demo', model: testModel, title: 'Deny' });
    const page = await signedInPage(browser, server.url, server.token);
    await page.goto(`${server.url}/c/${created.body.conversation.id}`);
    const before = server.upstream.requests.length;
    await sendMessage(page, 'Read my notes');
    const card = page.getByTestId('approval-card');
    await card.waitFor();
    await card.getByLabel('Note for the assistant').fill('those are private');
    await card.getByRole('button', { name: 'Deny', exact: true }).click();
    await waitForValue(() => assistantText(page), (text) => text.includes('Fine, I will not.'), 'the reply');
    const toolMessage = server.upstream.requests[before + 1].body.messages.find((message: { role: string }) => message.role === 'tool');
    assert.equal(toolMessage.content, 'Denied by the user, who wrote: those are private');
    await page.close();
  });
});
