/**
 * The usual setup of a browser test file, as hooks of the current `describe`: the web app built, a
 * test server serving it, one browser; all closed after the suite.
 *
 *   const suite = webSuite();
 *   test('…', async () => { const page = await signedInPage(suite.browser, suite.server.url, suite.server.token); });
 */
import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { ensureWebBuild, launchBrowser, webDist } from './browser-support.ts';

export type WebSuite = { readonly server: TestServer; readonly browser: Browser };

export function webSuite(): WebSuite {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  before(async () => {
    ensureWebBuild();
    server = await startTestServer({ staticDir: webDist });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server() {
      return server!;
    },
    get browser() {
      return browser!;
    },
  };
}
