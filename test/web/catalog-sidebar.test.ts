/**
 * The sidebar follows the catalog feed: projects, conversations and running dots change when
 * another client changes them, with no page reload and no polling (no list request after the first load).
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { browserSkipReason, saveScreenshot, signedInPage, waitForValue } from './browser-support.ts';
import { webSuite } from './web-suite.ts';

const skip = browserSkipReason();

describe('web UI: the sidebar follows the catalog feed', { skip }, () => {
  const suite = webSuite();

  test('a project removed and a conversation created, run and deleted elsewhere show up with no reload and no poll', async () => {
    const { server, browser } = suite;
    const page = await signedInPage(browser, server.url, server.token);
    const listRequests: string[] = [];
    let navigations = 0;
    page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations++);
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (request.method() === 'GET' && ['/v1/projects', '/v1/sessions', '/v1/conversations', '/v1/models'].includes(path)) listRequests.push(path);
    });
    await page.goto(server.url);
    const projectOptions = () => page.locator('select[aria-label="Project"] option').allTextContents();
    await waitForValue(projectOptions, (names) => names.includes('demo'), 'the project list');
    await page.locator('[data-testid="conversation-item"]').first().waitFor();
    const loaded = listRequests.length;
    const navigationsLoaded = navigations;

    await server.request('POST', '/v1/projects', { name: 'elsewhere', path: await mkdtemp(join(tmpdir(), 'confab-web-catalog-')) });
    await waitForValue(projectOptions, (names) => names.includes('elsewhere'), 'the new project in the list');
    assert.equal((await server.request('DELETE', '/v1/projects/elsewhere')).status, 204);
    await waitForValue(projectOptions, (names) => !names.includes('elsewhere'), 'the removed project gone from the list');

    const created = await server.request('POST', '/v1/conversations', { projectName: 'demo', title: 'Made elsewhere' });
    const conversationId = created.body.conversation.id;
    const item = page.locator(`[data-conversation-id="${conversationId}"]`);
    await item.waitFor();
    assert.match(await item.textContent() ?? '', /Made elsewhere/);

    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Working' }], holdAfter: 1 });
    await server.request('POST', `/v1/conversations/${conversationId}/messages`, { content: 'Go' });
    await item.locator('.busy-dot.busy-running').waitFor();
    await saveScreenshot(page, 'catalog-running-dot');
    server.upstream.release();
    await item.locator('.busy-dot').waitFor({ state: 'detached' });

    assert.equal((await server.request('DELETE', `/v1/conversations/${conversationId}`)).status, 204);
    await item.waitFor({ state: 'detached' });

    assert.deepEqual(listRequests.slice(loaded), [], 'no list was fetched again: every change came from the feed');
    assert.equal(navigations, navigationsLoaded, 'the page was not reloaded');
    await page.close();
  });
});
