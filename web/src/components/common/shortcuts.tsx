import { useEffect, useSyncExternalStore } from 'react';
import { navigate } from '../../lib/router.ts';
import { Modal } from './modal.tsx';

/**
 * Keyboard shortcuts for the whole page, and the dialog that lists them. Enter, Shift+Enter and
 * Esc belong to the composer and the conversation view; these are the ones that work anywhere.
 */
const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const mod = isMac ? '⌘' : 'Ctrl';

export const shortcutList: [keys: string[], what: string][] = [
  [['Enter'], 'Send the message'],
  [['Shift', 'Enter'], 'New line in the message'],
  [['Esc'], 'Stop the reply'],
  [['/'], 'Focus the message box'],
  [[mod, 'Shift', 'O'], 'New chat'],
  [[mod, '/'], 'Show these shortcuts'],
];

const listeners = new Set<() => void>();
let helpOpen = false;

export function showShortcuts(open = true): void {
  helpOpen = open;
  for (const listener of listeners) listener();
}

function useHelpOpen(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    () => helpOpen,
  );
}

function typingIn(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return element !== null && (element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName));
}

/** Listens for the page-wide shortcuts; renders the list while it is open. Mount once. */
export function Shortcuts() {
  const open = useHelpOpen();
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const withMod = isMac ? event.metaKey : event.ctrlKey;
      if (withMod && !event.altKey && event.key === '/') {
        event.preventDefault();
        showShortcuts(!helpOpen);
      } else if (withMod && event.shiftKey && !event.altKey && event.key.toLowerCase() === 'o') {
        event.preventDefault();
        navigate({ kind: 'new' });
        // The new chat's composer focuses itself when it mounts; if it was already open, focus it.
        window.setTimeout(() => document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]')?.focus(), 0);
      } else if (event.key === '/' && !withMod && !event.altKey && !typingIn(event.target) && !document.querySelector('dialog[open]')) {
        const box = document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]');
        if (!box) return;
        event.preventDefault();
        box.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  if (!open) return null;
  return (
    <Modal title="Keyboard shortcuts" onClose={() => showShortcuts(false)}>
      <table className="shortcut-table" data-testid="shortcut-list">
        <tbody>
          {shortcutList.map(([keys, what]) => (
            <tr key={what}>
              <td>
                {keys.map((key, index) => (
                  <span key={key}>
                    {index > 0 && '+'}
                    <kbd>{key}</kbd>
                  </span>
                ))}
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="modal-actions">
        <button type="button" className="button" autoFocus onClick={() => showShortcuts(false)}>
          Close
        </button>
      </div>
    </Modal>
  );
}
