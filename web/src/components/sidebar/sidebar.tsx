import { useMemo, useState } from 'react';
import { appStore, useAppState } from '../../lib/app-store.ts';
import { dateGroup, displayTitle, type DateGroup } from '../../lib/format.ts';
import { navigate, useRoute } from '../../lib/router.ts';
import { useNow } from '../../hooks/use-now.ts';
import { ConnectionIndicator } from '../common/connection-indicator.tsx';
import { Icon } from '../common/icon.tsx';
import { showShortcuts } from '../common/shortcuts.tsx';
import { ThemeSelect } from '../common/theme-select.tsx';
import { ConversationItem } from './conversation-item.tsx';
import { MessageHits } from './message-hits.tsx';
import { ProjectSwitcher } from './project-switcher.tsx';

/** Project switcher, new chat, search, and the project's conversations grouped by date. */
export function Sidebar({ open, onNavigate }: { open: boolean; onNavigate: () => void }) {
  const { conversations, conversationsLoaded, busy, projectName } = useAppState();
  const route = useRoute();
  const [query, setQuery] = useState('');
  const now = useNow(30_000);
  const activeId = route.kind === 'conversation' ? route.conversationId : null;

  const groups = useMemo(() => {
    const needle = query.trim().toLowerCase();
    const matching = needle ? conversations.filter((conversation) => displayTitle(conversation.title).toLowerCase().includes(needle)) : conversations;
    const byGroup = new Map<DateGroup, typeof matching>();
    for (const conversation of matching) {
      const group = dateGroup(conversation.updatedAt, now);
      byGroup.set(group, [...(byGroup.get(group) ?? []), conversation]);
    }
    return [...byGroup.entries()];
  }, [conversations, query, now]);

  return (
    <nav className={open ? 'sidebar sidebar-open' : 'sidebar'} aria-label="Conversations">
      <div className="sidebar-top">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Confab</span>
        </div>
        <ProjectSwitcher />
        <button
          type="button"
          className="button new-chat"
          onClick={() => {
            navigate({ kind: 'new' });
            onNavigate();
          }}
        >
          <Icon name="plus" size={16} />
          New chat
        </button>
        <label className="search">
          <Icon name="search" size={15} />
          <input
            type="search"
            placeholder="Search chats and messages"
            aria-label="Search chats and messages"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') setQuery('');
            }}
          />
        </label>
      </div>
      <div className="conversation-list" data-testid="conversation-list">
        {groups.map(([group, items]) => (
          <section key={group} className="conversation-group" aria-label={group}>
            <h3 className="conversation-group-title">{group}</h3>
            <ul>
              {items.map((conversation) => (
                <ConversationItem
                  key={conversation.id}
                  conversation={conversation}
                  active={conversation.id === activeId}
                  busy={busy[conversation.id] ?? null}
                  now={now}
                  onOpen={onNavigate}
                />
              ))}
            </ul>
          </section>
        ))}
        {conversationsLoaded && conversations.length === 0 && <p className="sidebar-empty">No chats in this project yet.</p>}
        {conversationsLoaded && conversations.length > 0 && groups.length === 0 && <p className="sidebar-empty">No chat title matches “{query.trim()}”.</p>}
        <MessageHits query={query} projectName={projectName} onOpen={onNavigate} />
      </div>
      <div className="sidebar-bottom">
        <ConnectionIndicator />
        <div className="sidebar-tools">
          <ThemeSelect />
          <button type="button" className="icon-button" aria-label="Keyboard shortcuts" title="Keyboard shortcuts" onClick={() => showShortcuts()}>
            <Icon name="keyboard" size={16} />
          </button>
          <button type="button" className="icon-button" aria-label="Refresh" title="Refresh the list and running states" onClick={() => void appStore.poll()}>
            <Icon name="refresh" size={16} />
          </button>
        </div>
      </div>
    </nav>
  );
}
