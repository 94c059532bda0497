import katex from 'katex';
import type { TokenizerAndRendererExtension, Tokens } from 'marked';
import { escapeHtml } from './escape-html.ts';

/**
 * TeX math in Markdown, rendered by KaTeX: inline `$…$` and `\(…\)`, display `$$…$$` and `\[…\]`
 * (as a block on their own lines, or inside a paragraph). The rules for a single `$` follow
 * Pandoc's, so prices stay prices: the opening `$` is not followed by a space, the closing one is
 * not preceded by a space nor followed by a digit ("$5 and $10" is text).
 *
 * A formula KaTeX cannot parse (or one past the size bound) is shown as its source with an error
 * style and the parser's message as a tooltip; it never breaks the rest of the message. Unclosed
 * delimiters (a reply still streaming) stay text until the closing delimiter arrives.
 */
export type MathToken = Tokens.Generic & { type: 'math'; tex: string; display: boolean; source: string };

/** Longer formulas are shown as text: KaTeX's time grows with the input, and a reply re-renders per token. */
export const maxFormulaLength = 4000;

const blockPatterns = [/^ {0,3}\$\$([\s\S]+?)\$\$[ \t]*(?:\n|$)/, /^ {0,3}\\\[([\s\S]+?)\\\][ \t]*(?:\n|$)/];
const inlinePatterns: { pattern: RegExp; display: boolean }[] = [
  { pattern: /^\$\$((?:\\[\s\S]|[^\\$])+?)\$\$/, display: true },
  { pattern: /^\\\[([\s\S]+?)\\\]/, display: true },
  { pattern: /^\$(?![\s$])((?:\\[\s\S]|[^\\$])+?)(?<!\s)\$(?!\d)/, display: false },
  { pattern: /^\\\(([\s\S]+?)\\\)/, display: false },
];

function mathToken(source: string, tex: string, display: boolean): MathToken {
  return { type: 'math', raw: source, source, tex: tex.trim(), display };
}

const blockMath: TokenizerAndRendererExtension = {
  name: 'math',
  level: 'block',
  // Only a delimiter at the start of a line begins a block; one inside a line is inline math.
  start(src: string) {
    const match = /(?:^|\n) {0,3}(?:\$\$|\\\[)/.exec(src);
    if (!match) return undefined;
    return match[0].startsWith('\n') ? match.index + 1 : match.index;
  },
  tokenizer(src: string) {
    for (const pattern of blockPatterns) {
      const match = pattern.exec(src);
      if (match) return mathToken(match[0], match[1], true);
    }
    return undefined;
  },
  renderer(token) {
    return renderMath(token as MathToken, 'div');
  },
};

const inlineMath: TokenizerAndRendererExtension = {
  name: 'inlineMath',
  level: 'inline',
  start(src: string) {
    const index = src.search(/\$|\\\(|\\\[/);
    return index < 0 ? undefined : index;
  },
  tokenizer(src: string) {
    for (const { pattern, display } of inlinePatterns) {
      const match = pattern.exec(src);
      if (match) return { ...mathToken(match[0], match[1], display), type: 'inlineMath' };
    }
    return undefined;
  },
  renderer(token) {
    // A span even for display math: a div cannot sit inside a paragraph (CSS makes it a block).
    return renderMath(token as MathToken, 'span');
  },
};

/** The marked extensions; `renderMarkdown` installs them. */
export const mathExtensions = [blockMath, inlineMath];

/**
 * Formulas kept rendered: a streaming reply is parsed again per token, its finished formulas
 * unchanged. At most this many, each at most `cachedFormulaChars` of HTML (a few MB in all).
 */
export const formulaCacheLimit = 256;
const cachedFormulaChars = 20_000;
const rendered = new Map<string, string>();

/** How many rendered formulas are kept (at most `formulaCacheLimit`). */
export function cachedFormulaCount(): number {
  return rendered.size;
}

/** KaTeX's HTML (with MathML for screen readers) for one formula, or its escaped source styled as an error. */
export function renderMath(token: Pick<MathToken, 'tex' | 'display' | 'source'>, tag: 'div' | 'span'): string {
  const kind = token.display ? 'math-display' : 'math-inline';
  const key = `${tag} ${kind} ${token.source}\u0000${token.tex}`;
  const known = rendered.get(key);
  if (known !== undefined) return known;
  const result = renderFormula(token);
  const element = result.ok
    ? `<${tag} class="math ${kind}">${result.markup}</${tag}>`
    : `<${tag} class="math ${kind} math-error" title="${escapeHtml(result.reason)}">${escapeHtml(token.source.trim())}</${tag}>`;
  if (element.length > cachedFormulaChars) return element;
  // Oldest first out: a Map iterates in insertion order.
  if (rendered.size >= formulaCacheLimit) rendered.delete(rendered.keys().next().value!);
  rendered.set(key, element);
  return element;
}

function renderFormula(token: Pick<MathToken, 'tex' | 'display'>): { ok: true; markup: string } | { ok: false; reason: string } {
  try {
    if (token.tex.length > maxFormulaLength) throw new Error(`Formula longer than ${maxFormulaLength} characters`);
    const markup = katex.renderToString(token.tex, {
      displayMode: token.display,
      throwOnError: true,
      output: 'htmlAndMathml',
      trust: false, // no \href, \url, \includegraphics, \htmlClass…: model output is untrusted
      strict: 'ignore',
      maxSize: 50,
      maxExpand: 500,
    });
    return { ok: true, markup };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'Cannot render this formula' };
  }
}
