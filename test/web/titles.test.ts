/**
 * A title written by the title model, as a user meets it in Chromium: a new chat is named by its
 * first message, then, once the first reply is in, by the model; the header and the sidebar both
 * show it without a reload.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testModel } from '../support/server-fixture.ts';
import { useWebFixture } from '../support/web-fixture.ts';
import { browserSkipReason, saveScreenshot, sendMessage, textOf, waitForValue } from './browser-support.ts';

describe('web UI: titles written by a model', { skip: browserSkipReason() }, () => {
  const web = useWebFixture({ titleModel: testModel });

  test('a new chat takes the title the model wrote after its first reply, in the header and the sidebar', async () => {
    const page = await web.open('/');
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
    web.server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Knead it for ten minutes.' }] }, { kind: 'stream', chunks: [{ text: 'Kneading bread dough' }] });
    await sendMessage(page, 'how long should i knead bread dough by hand?');
    await page.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
    await waitForValue(() => textOf(page.getByTestId('chat-title')), (title) => title === 'Kneading bread dough', 'the model-written title in the header');
    const conversationId = page.url().split('/c/')[1];
    await waitForValue(() => textOf(page.locator(`[data-conversation-id="${conversationId}"]`)), (text) => text.includes('Kneading bread dough'), 'the title in the sidebar');
    assert.equal(web.server.upstream.requests.length, 2);
    await saveScreenshot(page, 'model-title');
    await page.context().close();
  });
});
