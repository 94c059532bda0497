import type { ReactNode } from 'react';
import { ConnectionBanner } from '../common/connection-banner.tsx';

/** The main column: a header, the scrolling body, and the composer docked at the bottom. */
export function ChatFrame({ header, children, composer }: { header: ReactNode; children: ReactNode; composer: ReactNode }) {
  return (
    <main className="chat">
      <header className="chat-header">{header}</header>
      <ConnectionBanner />
      {children}
      {composer && (
        <div className="composer-dock">
          {composer}
          <p className="composer-hint">
            <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line · <kbd>Esc</kbd> to stop
          </p>
        </div>
      )}
    </main>
  );
}

export function Welcome({ projectName }: { projectName: string | null }) {
  return (
    <div className="welcome">
      <div className="brand-mark brand-mark-large" aria-hidden="true" />
      <h2>How can I help?</h2>
      {projectName && (
        <p className="muted">
          Working in <code>{projectName}</code>. The assistant can list, read and search its files.
        </p>
      )}
    </div>
  );
}
