/**
 * Math in replies, in Chromium against a real server (fake OpenAI upstream): KaTeX renders inline
 * and display formulas from the bundle (its fonts too), also while the reply streams; a broken
 * formula is its source marked as an error; nothing in a formula or around it runs or injects HTML.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useWebFixture } from '../support/web-fixture.ts';
import { browserSkipReason, lastAssistant, saveScreenshot, sendMessage, textOf, waitForValue } from './browser-support.ts';

describe('web UI: math', { skip: browserSkipReason() }, () => {
  const web = useWebFixture();

  test('inline and display math render while streaming and after; a broken formula shows as marked text; nothing is injected', async () => {
    const conversationId = await web.newConversation('Math');
    const page = await web.open(`/c/${conversationId}`, { colorScheme: 'dark' });
    web.server.upstream.enqueue({
      kind: 'stream',
      chunks: [
        { text: 'Euler: $e^{i\\pi}+1=0$; prices $5 and $10.\n\n' },
        { text: '$$\n\\int_0^1 x\\,dx = \\frac{1}{2}\n' },
        { text: '$$\n\nBroken: $\\frac{1$ and \\(x^2\\), ' },
        { text: 'raw <img src=x onerror="window.__pwned=1"> and $\\href{javascript:window.__pwned=1}{click}$ end.' },
      ],
      holdAfter: 2,
    });
    await sendMessage(page, 'Some math please');
    const reply = lastAssistant(page);
    const markdown = reply.locator('.markdown');

    // Streaming, the display formula not closed yet: the inline one is math, the open one plain text.
    await reply.locator('.math-inline .katex').first().waitFor();
    assert.equal(await reply.getAttribute('data-status'), 'streaming');
    assert.equal(await reply.locator('.katex-display').count(), 0);
    assert.match(await textOf(markdown), /prices \$5 and \$10\.[\s\S]*\$\$\s*\\int_0\^1/);

    web.server.upstream.release();
    await page.locator('[data-testid="assistant-message"][data-status="completed"]').waitFor();
    await reply.locator('.math-display .katex-display').waitFor();
    assert.equal(await reply.locator('.math-inline .katex').count(), 3, 'e^{iπ}, x², and the \\href shown as an unsupported command');
    // What a screen reader gets: MathML with the TeX as its annotation.
    assert.equal(await reply.locator('.math-display annotation').textContent(), '\\int_0^1 x\\,dx = \\frac{1}{2}');

    const broken = reply.locator('.math-error');
    assert.equal(await broken.count(), 1);
    assert.equal(await broken.textContent(), '$\\frac{1$');
    assert.match((await broken.getAttribute('title')) ?? '', /KaTeX parse error/);
    const errorColour = await broken.evaluate((element) => getComputedStyle(element).color);
    const textColour = await markdown.evaluate((element) => getComputedStyle(element).color);
    assert.notEqual(errorColour, textColour, 'the broken formula is styled as an error');

    assert.equal(await markdown.locator('img').count(), 0);
    assert.equal(await markdown.locator('a[href^="javascript" i]').count(), 0);
    assert.match(await textOf(markdown), /raw <img src=x onerror="window.__pwned=1"> and/);
    assert.match(await textOf(markdown), / end\.\s*$/);
    assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);

    // KaTeX's fonts come from the bundle, served by the server.
    const fonts = await waitForValue(
      () => page.evaluate(async () => {
        await document.fonts.ready;
        return [...document.fonts].filter((font) => font.family.replace(/"/g, '').startsWith('KaTeX') && font.status === 'loaded').map((font) => font.family.replace(/"/g, ''));
      }),
      (families) => families.includes('KaTeX_Main'),
      'KaTeX_Main loaded',
    );
    assert.ok(fonts.includes('KaTeX_Math'), `KaTeX_Math among ${fonts.join(', ')}`);
    await saveScreenshot(page, 'math-dark');
    await page.context().close();
  });
});
