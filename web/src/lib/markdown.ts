import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';
import { escapeHtml } from './escape-html.ts';
import { highlight } from './highlight.ts';
import { mathExtensions } from './math.ts';

/**
 * Model output as Markdown, rendered to sanitized HTML. Output is untrusted: raw HTML in it is shown
 * as text, and the result goes through DOMPurify anyway. Code blocks get a header with the language
 * and a Copy button; `MarkdownView` handles its clicks by delegation (`data-copy-code`). TeX math is
 * rendered by KaTeX (see math.ts); its MathML copy for screen readers needs `semantics` and
 * `annotation` (text only), which DOMPurify drops by default.
 */
const marked = new Marked({
  gfm: true,
  breaks: false,
  extensions: mathExtensions,
  renderer: {
    code({ text, lang }: Tokens.Code): string {
      const language = (lang ?? '').trim().split(/\s+/)[0] ?? '';
      const body = highlight(text, language) ?? escapeHtml(text);
      const label = escapeHtml(language || 'text');
      return (
        `<div class="code-block"><div class="code-head"><span class="code-lang">${label}</span>` +
        `<button type="button" class="code-copy" data-copy-code aria-label="Copy code">Copy</button></div>` +
        `<pre><code class="hljs">${body}</code></pre></div>\n`
      );
    },
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
  },
});

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
  // GFM task lists: the only inputs allowed, and only as read-only checkboxes.
  if (node.tagName === 'INPUT') {
    if (node.getAttribute('type') !== 'checkbox') return void node.remove();
    const checked = node.hasAttribute('checked');
    for (const name of node.getAttributeNames()) node.removeAttribute(name);
    node.setAttribute('type', 'checkbox');
    node.setAttribute('disabled', '');
    if (checked) node.setAttribute('checked', '');
  }
});

export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false });
  return DOMPurify.sanitize(html, {
    ADD_ATTR: ['target', 'encoding'],
    ADD_TAGS: ['semantics', 'annotation'],
    FORBID_TAGS: ['style', 'form', 'textarea', 'select'],
  });
}
