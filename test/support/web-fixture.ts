/**
 * The setup every browser suite shares: the built web app, a test server serving it (fake OpenAI
 * upstream), one Chromium for the file, and the few steps most tests start with.
 *
 *   describe('web UI: …', { skip: browserSkipReason() }, () => {
 *     const web = useWebFixture();                        // registers before/after hooks
 *     test('…', async () => {
 *       const { page, conversationId } = await web.answered('Question', 'Answer.');
 *       …
 *       await page.context().close();
 *     });
 *   });
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBuild, launchBrowser, signedInPage, webDist } from '../web/browser-support.ts';
import { eventually, startTestServer, testModel, type TestServer, type TestServerOptions } from './server-fixture.ts';

export type PageOptions = Parameters<typeof signedInPage>[3];

export type WebFixture = {
  /** The server and browser, set once the suite's `before` hook ran. */
  readonly server: TestServer;
  readonly browser: Browser;
  /** A new conversation in project `demo` with the test model; its id. */
  newConversation(title: string): Promise<string>;
  /** A signed-in page (its own context) at `path`. */
  open(path: string, options?: PageOptions): Promise<Page>;
  /** A conversation with one question answered by `answer`, opened in a page once the reply shows. */
  answered(question: string, answer: string, options?: PageOptions): Promise<{ page: Page; conversationId: string }>;
};

/** Starts the server and browser before the suite's tests and closes them after; call inside `describe`. */
export function useWebFixture(options: Omit<TestServerOptions, 'staticDir'> = {}): WebFixture {
  let server: TestServer | undefined;
  let browser: Browser | undefined;

  before(async () => {
    ensureWebBuild();
    server = await startTestServer({ ...options, staticDir: webDist });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the web fixture's ${what} is used before the suite's before hook ran`);
    return value;
  };

  const fixture: WebFixture = {
    get server() {
      return started(server, 'server');
    },
    get browser() {
      return started(browser, 'browser');
    },
    async newConversation(title) {
      const response = await fixture.server.request('POST', '/v1/conversations', { projectName: 'demo', model: testModel, title });
      assert.equal(response.status, 201);
      return response.body.conversation.id;
    },
    async open(path, pageOptions) {
      const page = await signedInPage(fixture.browser, fixture.server.url, fixture.server.token, pageOptions);
      if (path !== '/') await page.goto(`${fixture.server.url}${path}`);
      return page;
    },
    async answered(question, answer, pageOptions) {
      const conversationId = await fixture.newConversation(question);
      fixture.server.upstream.enqueue({ kind: 'stream', chunks: [{ text: answer }] });
      await fixture.server.request('POST', `/v1/conversations/${conversationId}/messages`, { content: question });
      await eventually(async () => (await fixture.server.request('GET', `/v1/conversations/${conversationId}`)).body.runs[0]?.status === 'completed', 10_000, 'the first reply');
      const page = await fixture.open(`/c/${conversationId}`, pageOptions);
      await page.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
      return { page, conversationId };
    },
  };
  return fixture;
}
