/**
 * Code blocks in replies (rendered by the web UI's Markdown renderer) get Copy and Insert: Copy
 * goes through the host's clipboard, Insert puts the code at the cursor of the editor used last.
 * The buttons are added to each rendered block's header as it appears (a streaming reply re-renders).
 */
import type { PanelApi } from './panel-api.ts';

export function installCodeActions(document: Document, api: Pick<PanelApi, 'post'>): void {
  // Capture phase: runs before the web renderer's own Copy handler, which uses the page's clipboard.
  document.addEventListener(
    'click',
    (event) => {
      const target = event.target as HTMLElement | null;
      const button = target?.closest<HTMLButtonElement>('[data-copy-code], [data-insert-code]');
      if (!button) return;
      event.stopPropagation();
      event.preventDefault();
      const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
      const insert = button.hasAttribute('data-insert-code');
      api.post(insert ? { type: 'insert', text: code } : { type: 'copy', text: code });
      flash(button, insert ? 'Inserted' : 'Copied', insert ? 'Insert' : 'Copy');
    },
    true,
  );
  const addButtons = () => {
    for (const head of document.querySelectorAll('.code-block .code-head')) {
      if (head.querySelector('[data-insert-code]')) continue;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'code-copy';
      button.setAttribute('data-insert-code', '');
      button.setAttribute('aria-label', 'Insert code at the cursor');
      button.textContent = 'Insert';
      head.append(button);
    }
  };
  new MutationObserver(addButtons).observe(document.body, { childList: true, subtree: true });
}

function flash(button: HTMLButtonElement, done: string, label: string): void {
  button.textContent = done;
  button.classList.add('copied');
  setTimeout(() => {
    button.textContent = label;
    button.classList.remove('copied');
  }, 1500);
}
