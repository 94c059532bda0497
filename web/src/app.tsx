import { useState } from 'react';
import { useAppState } from './lib/app-store.ts';
import { useRoute } from './lib/router.ts';
import { Icon } from './components/common/icon.tsx';
import { Notices } from './components/common/notices.tsx';
import { Shortcuts } from './components/common/shortcuts.tsx';
import { ConversationView } from './components/conversation/conversation-view.tsx';
import { NewChatView } from './components/conversation/new-chat-view.tsx';
import { FirstRun } from './components/setup/first-run.tsx';
import { SignedOut } from './components/setup/signed-out.tsx';
import { Sidebar } from './components/sidebar/sidebar.tsx';

/** Signed out, first run, or the chat: sidebar plus the routed view. */
export function App() {
  const app = useAppState();
  const route = useRoute();
  const [sidebarOpen, setSidebarOpen] = useState(false);

  if (app.auth === 'unauthorized') return <SignedOut />;
  if (app.projects === null) {
    return (
      <main className="splash" aria-busy={app.loadError === null}>
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Confab</span>
        </div>
        {app.loadError ? (
          <p className="splash-error" role="alert">
            {app.loadError} Trying again…
          </p>
        ) : (
          <p className="muted">Loading…</p>
        )}
        <Notices />
      </main>
    );
  }
  if (app.projects.length === 0) {
    return (
      <>
        <FirstRun />
        <Notices />
      </>
    );
  }
  return (
    <div className="app">
      <Sidebar open={sidebarOpen} onNavigate={() => setSidebarOpen(false)} />
      {sidebarOpen && <div className="scrim" onClick={() => setSidebarOpen(false)} aria-hidden="true" />}
      <button type="button" className="icon-button sidebar-toggle" aria-label="Show conversations" aria-expanded={sidebarOpen} onClick={() => setSidebarOpen(!sidebarOpen)}>
        <Icon name="menu" size={18} />
      </button>
      {route.kind === 'conversation' ? <ConversationView key={route.conversationId} conversationId={route.conversationId} messageId={route.messageId} /> : <NewChatView />}
      <Notices />
      <Shortcuts />
    </div>
  );
}
