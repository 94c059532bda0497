/**
 * The web UI while something keeps a reply or the page waiting: a run waiting to retry (whatever
 * way the page learned of it: live, after a reload, or opened during the wait), and a lost
 * connection (through a TCP relay the test cuts, so the failure is a real one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { useWebFixture } from '../support/web-fixture.ts';
import {
  assistantText,
  browserSkipReason,
  joined,
  saveScreenshot,
  sendMessage,
  signedInPage,
  textOf,
  waitForValue,
  wordChunks,
} from './browser-support.ts';

const skip = browserSkipReason();

describe('web UI: waiting', { skip }, () => {
  const web = useWebFixture();
  let proxy: TcpProxy;

  before(async () => {
    proxy = await startTcpProxy(new URL(web.server.url).port);
  });

  after(async () => {
    await proxy?.close();
  });

  const retryText = /^Retry 1 of 3 in ([1-9]|1[0-9]|20) s — rate limited$/;

  test('a first message waiting to retry shows why, live, after a reload, and in a tab opened during the wait', async () => {
    const chunks = wordChunks('late', 6);
    // Long enough for a reload and a second tab on a loaded machine (6 s was not, under npm run test:load).
    web.server.upstream.enqueue({ kind: 'error', status: 429, message: 'Rate limit reached', headers: { 'retry-after': '20' } }, { kind: 'stream', chunks });
    const page = await signedInPage(web.browser, web.server.url, web.server.token);
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
    await sendMessage(page, 'Hello, slowly');
    await page.waitForURL(/\/c\//);
    const notice = page.getByTestId('retry-notice');
    await notice.waitFor();
    assert.match(await textOf(notice), retryText);

    await page.reload();
    await notice.waitFor();
    assert.match(await textOf(notice), retryText);
    await saveScreenshot(page, 'retry-after-reload');

    const other = await signedInPage(web.browser, web.server.url, web.server.token, { width: 390, height: 760, colorScheme: 'dark' });
    await other.goto(page.url());
    const otherNotice = other.getByTestId('retry-notice');
    await otherNotice.waitFor();
    assert.match(await textOf(otherNotice), retryText);
    await saveScreenshot(other, 'retry-new-tab-narrow-dark');

    for (const tab of [page, other]) {
      await tab.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor({ timeout: 45_000 });
      assert.equal(await assistantText(tab), joined(chunks));
      assert.equal(await tab.getByTestId('retry-notice').count(), 0);
    }
    await other.context().close();
    await page.context().close();
  });

  for (const [width, colorScheme] of [[390, 'dark'], [1280, 'light']] as const) {
    test(`a lost connection is shown over the conversation (${width} px, ${colorScheme}), then "Reconnected"`, async () => {
      const conversationId = await web.newConversation(`Connection ${width}`);
      const page = await signedInPage(web.browser, proxy.url, web.server.token, { width, height: width < 800 ? 760 : 800, colorScheme });
      await page.goto(`${proxy.url}/c/${conversationId}`);
      await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
      await waitForValue(() => page.getByTestId('connection').getAttribute('data-state'), (state) => state === 'connected', 'connected');
      const banner = page.getByTestId('connection-banner');
      assert.equal(await banner.count(), 0, 'no banner while connected');

      proxy.cut();
      const lost = await waitForValue(() => textOf(banner), (text) => /^Connection lost — retrying in \d+ s/.test(text), 'the lost-connection banner');
      assert.match(lost, /^Connection lost — retrying in \d+ s\s*Retry now$/);
      assert.ok(await banner.isVisible(), 'visible without opening the drawer');
      const box = (await banner.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= width, `inside the screen: ${JSON.stringify(box)}`);
      await saveScreenshot(page, `connection-lost-${width}-${colorScheme}`);

      proxy.restore();
      // The client's own back-off may reconnect first and take the button away: either way ends "Reconnected".
      await banner.getByRole('button', { name: 'Retry now' }).click({ timeout: 3_000 }).catch(() => {});
      await waitForValue(() => textOf(banner), (text) => text === 'Reconnected', 'the reconnected banner');
      await saveScreenshot(page, `connection-back-${width}-${colorScheme}`);
      await banner.waitFor({ state: 'detached', timeout: 10_000 });
      await page.context().close();
    });
  }
});
