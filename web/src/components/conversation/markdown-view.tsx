import { memo, useMemo } from 'react';
import { copyText } from '../../lib/clipboard.ts';
import { renderMarkdown } from '../../lib/markdown.ts';

/** Sanitized Markdown; Copy buttons in code blocks are handled here by delegation. */
export const MarkdownView = memo(function MarkdownView({ text, streaming }: { text: string; streaming?: boolean }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return (
    <div
      className={streaming ? 'markdown streaming' : 'markdown'}
      dangerouslySetInnerHTML={{ __html: html }}
      onClick={(event) => {
        const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-copy-code]');
        if (!button) return;
        const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
        void copyText(code).then(() => {
          button.textContent = 'Copied';
          button.classList.add('copied');
          window.setTimeout(() => {
            button.textContent = 'Copy';
            button.classList.remove('copied');
          }, 1500);
        });
      }}
    />
  );
});
