import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ConversationSummary, WatchStatus } from 'confab/client';
import { appStore } from '../../lib/app-store.ts';
import { download } from '../../lib/download.ts';
import { displayTitle, relativeTime } from '../../lib/format.ts';
import { navigate, pathOf, useRoute } from '../../lib/router.ts';
import { ConfirmDialog } from '../common/modal.tsx';
import { Icon } from '../common/icon.tsx';

const busyLabel: Record<WatchStatus, string> = { idle: '', running: 'Running', 'requires-action': 'Waiting for approval', queued: 'Queued' };

type Props = { conversation: ConversationSummary; active: boolean; busy: WatchStatus | null; now: number; onOpen: () => void };

/** One row: title, relative time, a running indicator, and a menu with Rename, Export (Markdown, JSON) and Delete. */
export function ConversationItem({ conversation, active, busy, now, onOpen }: Props) {
  const [menuOpen, setMenuOpen] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const route = useRoute();
  const title = displayTitle(conversation.title);
  const path = pathOf({ kind: 'conversation', conversationId: conversation.id });
  const exportPath = `/v1/conversations/${encodeURIComponent(conversation.id)}/export`;

  const remove = async () => {
    try {
      await appStore.deleteConversation(conversation.id);
      if (route.kind === 'conversation' && route.conversationId === conversation.id) navigate({ kind: 'new' }, { replace: true });
      appStore.notify(`Deleted “${title}”.`, 'info');
    } catch (error) {
      appStore.fail(error);
    }
  };

  return (
    <li className={active ? 'conversation-item active' : 'conversation-item'} data-testid="conversation-item" data-conversation-id={conversation.id}>
      {renaming ? (
        <RenameField
          initial={conversation.title}
          onDone={async (value) => {
            setRenaming(false);
            if (value === null || value === conversation.title) return;
            try {
              await appStore.renameConversation(conversation.id, value);
            } catch (error) {
              appStore.fail(error);
            }
          }}
        />
      ) : (
        <a
          className="conversation-link"
          href={path}
          aria-current={active ? 'page' : undefined}
          onClick={(event) => {
            if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
            event.preventDefault();
            navigate({ kind: 'conversation', conversationId: conversation.id });
            onOpen();
          }}
        >
          <span className="conversation-title">{title}</span>
          <span className="conversation-meta">
            {busy && (
              <span className={`busy-dot busy-${busy}`} role="img" aria-label={busyLabel[busy]} title={busyLabel[busy]} />
            )}
            <time dateTime={new Date(conversation.updatedAt).toISOString()}>{relativeTime(conversation.updatedAt, now)}</time>
          </span>
        </a>
      )}
      {!renaming && (
        <div className="item-menu">
          <button type="button" className="icon-button item-menu-button" aria-label={`Options for ${title}`} aria-haspopup="menu" aria-expanded={menuOpen} onClick={() => setMenuOpen(!menuOpen)}>
            <Icon name="more" size={16} />
          </button>
          {menuOpen && (
            <Menu onClose={() => setMenuOpen(false)}>
              <button type="button" role="menuitem" onClick={() => (setMenuOpen(false), setRenaming(true))}>
                <Icon name="pencil" size={15} /> Rename
              </button>
              <button type="button" role="menuitem" onClick={() => (setMenuOpen(false), download(`${exportPath}/markdown`))}>
                <Icon name="file" size={15} /> Export as Markdown
              </button>
              <button type="button" role="menuitem" onClick={() => (setMenuOpen(false), download(exportPath))}>
                <Icon name="file" size={15} /> Export as JSON
              </button>
              <button type="button" role="menuitem" className="danger" onClick={() => (setMenuOpen(false), setConfirming(true))}>
                <Icon name="trash" size={15} /> Delete
              </button>
            </Menu>
          )}
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          title="Delete chat?"
          message={
            <>
              “{title}” and all its messages will be deleted for good. A running reply is stopped.
            </>
          }
          confirmLabel="Delete"
          danger
          onConfirm={() => void remove()}
          onClose={() => setConfirming(false)}
        />
      )}
    </li>
  );
}

function RenameField({ initial, onDone }: { initial: string; onDone: (value: string | null) => void }) {
  const [value, setValue] = useState(initial);
  const done = useRef(false);
  const finish = (result: string | null) => {
    if (done.current) return;
    done.current = true;
    onDone(result === null ? null : result.trim() || initial);
  };
  return (
    <input
      className="rename-input"
      aria-label="New title"
      autoFocus
      value={value}
      maxLength={200}
      onFocus={(event) => event.target.select()}
      onChange={(event) => setValue(event.target.value)}
      onBlur={() => finish(value)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') finish(value);
        if (event.key === 'Escape') finish(null);
      }}
    />
  );
}

/** A small popup menu: focuses its first item, closes on Esc, outside click, or leaving it with Tab. */
function Menu({ children, onClose }: { children: ReactNode; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    const onPointer = (event: MouseEvent) => {
      if (!ref.current?.parentElement?.contains(event.target as Node)) onClose();
    };
    document.addEventListener('mousedown', onPointer);
    return () => document.removeEventListener('mousedown', onPointer);
  }, [onClose]);
  return (
    <div
      ref={ref}
      className="menu"
      role="menu"
      onKeyDown={(event) => {
        const items = [...(ref.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
        const index = items.indexOf(document.activeElement as HTMLButtonElement);
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
          (ref.current?.parentElement?.querySelector('.item-menu-button') as HTMLElement | null)?.focus();
        } else if (event.key === 'ArrowDown') {
          event.preventDefault();
          items[(index + 1) % items.length]?.focus();
        } else if (event.key === 'ArrowUp') {
          event.preventDefault();
          items[(index - 1 + items.length) % items.length]?.focus();
        }
      }}
      onBlur={(event) => {
        if (!ref.current?.parentElement?.contains(event.relatedTarget as Node)) onClose();
      }}
    >
      {children}
    </div>
  );
}
