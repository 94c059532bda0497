/**
 * Where the web UI's Markdown sees math (web/src/lib/math.ts), without a browser: which dollar
 * signs open a formula, what stays text, and the error and size bounds. The browser test
 * (math.test.ts) shows the result rendered and sanitized.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Marked } from 'marked';
import { cachedFormulaCount, formulaCacheLimit, mathExtensions, maxFormulaLength, renderMath } from '../../web/src/lib/math.ts';

const marked = new Marked({ gfm: true, extensions: mathExtensions });
/** The TeX of each rendered formula in `markdown`, in order (from KaTeX's MathML annotation). */
const formulas = (markdown: string) => [...marked.parse(markdown, { async: false }).matchAll(/<annotation encoding="application\/x-tex">(.*?)<\/annotation>/gs)].map((match) => match[1]);
/** The kind of each formula in `markdown`, in order. */
const kinds = (markdown: string) => [...marked.parse(markdown, { async: false }).matchAll(/class="math (math-inline|math-display)( math-error)?"/g)].map((match) => `${match[1]}${match[2] ? ' error' : ''}`);

describe('math in Markdown', () => {
  test('inline $…$ and \\(…\\), display $$…$$ and \\[…\\] (blocks or inside a paragraph)', () => {
    assert.deepEqual(kinds('Euler $e^{i\\pi}+1=0$ and \\(x^2\\).'), ['math-inline', 'math-inline']);
    assert.deepEqual(kinds('$$\n\\int_0^1 x\\,dx\n$$\n\nafter'), ['math-display']);
    assert.deepEqual(kinds('\\[\nx\n\\]'), ['math-display']);
    assert.deepEqual(kinds('so $$a+b$$ inline'), ['math-display']);
    assert.deepEqual(formulas('Euler $e^{i\\pi}$ and $$ \\sum_i i $$'), ['e^{i\\pi}', '\\sum_i i']);
  });

  test('prices, escaped dollars, code and unclosed delimiters stay text', () => {
    assert.deepEqual(kinds('costs $5 and $10 today'), []);
    assert.deepEqual(kinds('a $ b $ c'), []);
    assert.deepEqual(kinds('escaped \\$5 and \\$6'), []);
    assert.deepEqual(kinds('code `$x$` and\n\n```\n$$y$$\n```'), []);
    assert.deepEqual(kinds('streaming $$\n\\frac{1}{'), []);
    assert.match(marked.parse('costs $5 and $10 today', { async: false }), /costs \$5 and \$10 today/);
  });

  test('a display block inside a list item, and a display block does not cut a paragraph in two', () => {
    assert.deepEqual(kinds('- item\n\n  $$x$$\n'), ['math-display']);
    assert.match(marked.parse('text $$x$$ more', { async: false }), /^<p>text <span class="math math-display">[\s\S]* more<\/p>\n$/);
  });

  test('a formula KaTeX cannot parse is its escaped source with the reason as a tooltip', () => {
    const html = renderMath({ tex: '\\frac{1', display: false, source: '$\\frac{1$' }, 'span');
    assert.match(html, /^<span class="math math-inline math-error" title="KaTeX parse error: [^"]*">\$\\frac\{1\$<\/span>$/);
    const hostile = renderMath({ tex: '\\frac{<img src=x onerror=alert(1)>', display: true, source: '$$\\frac{<img src=x onerror=alert(1)>$$' }, 'div');
    assert.ok(!hostile.includes('<img'), hostile);
    assert.match(hostile, /&#60;img src=x onerror=alert\(1\)&#62;/);
  });

  test('untrusted commands make no links; a formula past the length bound is shown as text', () => {
    assert.ok(!renderMath({ tex: '\\href{javascript:alert(1)}{x}', display: false, source: '' }, 'span').includes('href="javascript'));
    const long = 'x+'.repeat(maxFormulaLength);
    const html = renderMath({ tex: long, display: false, source: `$${long}$` }, 'span');
    assert.match(html, /math-error" title="Formula longer than 4000 characters"/);
  });

  test('rendered formulas are kept for the next parse of a streaming reply, at most formulaCacheLimit of them', () => {
    const token = { tex: 'a^2+b^2=c^2', display: false, source: '$a^2+b^2=c^2$' };
    assert.equal(renderMath(token, 'span'), renderMath({ ...token }, 'span'));
    assert.notEqual(renderMath(token, 'span'), renderMath({ ...token, display: true }, 'span'), 'display and inline are kept apart');
    for (let index = 0; index < formulaCacheLimit + 50; index += 1) renderMath({ tex: `x_{${index}}`, display: false, source: `$x_{${index}}$` }, 'span');
    assert.equal(cachedFormulaCount(), formulaCacheLimit);
    assert.match(renderMath({ tex: 'x_{3}', display: false, source: '$x_{3}$' }, 'span'), /<annotation encoding="application\/x-tex">x_\{3\}<\/annotation>/);
  });
});
