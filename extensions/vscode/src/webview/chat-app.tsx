/**
 * One conversation, as the host describes it in `PanelView`. The transcript, the pending and queued
 * messages, the retry notice and approval cards are the web UI's own components; the frame, the
 * connection line and the composer are this panel's (it has no model picker or project switcher:
 * the workspace folder is the project).
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Message } from 'confab/client';
import { ApprovalCard } from '../../../../web/src/components/conversation/approval-card.tsx';
import { MessageList } from '../../../../web/src/components/conversation/message-list.tsx';
import { RetryNotice } from '../../../../web/src/components/conversation/retry-notice.tsx';
import { PendingUserMessage } from '../../../../web/src/components/conversation/user-message.tsx';
import { displayTitle, formatUsage } from '../../../../web/src/lib/format.ts';
import type { OutboxView, PanelConnection, PanelView } from '../shared/messages.ts';
import { Composer } from './composer.tsx';
import type { PanelApi } from './panel-api.ts';

export function ChatApp({ api }: { api: PanelApi }) {
  const [view, setView] = useState<PanelView | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const known = useRef(new Map<string, Message>());
  const [focusRequest, setFocusRequest] = useState(0);

  useEffect(
    () =>
      api.onMessage((message) => {
        if (message.type === 'focus-composer') return setFocusRequest((count) => count + 1);
        const next = new Map<string, Message>();
        const list: Message[] = [];
        for (const entry of message.view.messages) {
          const resolved = typeof entry === 'string' ? known.current.get(entry) : entry;
          if (!resolved) continue; // cannot happen: the host resends everything after `ready`
          next.set(resolved.id, resolved);
          list.push(resolved);
        }
        known.current = next;
        setMessages(list);
        setView(message.view);
        const saved = api.getState();
        if (saved.conversationId !== message.view.conversationId) api.setState({ ...saved, conversationId: message.view.conversationId });
      }),
    [api],
  );

  if (!view) return <main className="chat" aria-busy="true" />;
  const conversation = view.conversation;
  const running = view.status !== 'idle';
  const totals = conversation && conversation.usage.inputTokens + conversation.usage.outputTokens > 0 ? formatUsage(conversation.usage, conversation.cost) : null;
  const draftKey = view.conversationId;

  return (
    <main className="chat" data-conversation-id={view.conversationId}>
      <header className="chat-header">
        <h1 className="chat-title" data-testid="chat-title">
          {conversation ? displayTitle(conversation.title) : 'Confab'}
        </h1>
        {totals && (
          <span className="chat-total" data-testid="conversation-total" title="Usage and cost of the whole conversation">
            Total: {totals}
          </span>
        )}
        <ConnectionLine connection={view.connection} />
      </header>
      {view.connection.status === 'signed-out' && (
        <Banner testId="signed-out" text="Not signed in to a Confab server. The conversation is kept on the server; sign in to see it.">
          <button type="button" className="button button-small button-primary" onClick={() => api.post({ type: 'sign-in' })}>
            Sign In
          </button>
        </Banner>
      )}
      {view.deleted && <Banner testId="deleted" text="This conversation was deleted, here or in another window. Nothing more will arrive; start a new chat to go on." />}
      {view.error && !view.loaded && view.connection.status !== 'signed-out' && <Banner testId="load-error" text={view.error.message} />}
      {view.notice && (
        <Banner testId="notice" text={view.notice}>
          <button type="button" className="link-button" onClick={() => api.post({ type: 'dismiss-notice' })}>
            Dismiss
          </button>
        </Banner>
      )}
      {!view.loaded && view.connection.status !== 'signed-out' && !view.error ? (
        <div className="transcript loading" aria-busy="true">
          <div className="skeleton" />
        </div>
      ) : (
        <MessageList messages={messages} onContinue={view.status === 'idle' && !view.deleted ? () => api.post({ type: 'continue' }) : null}>
          {view.queue.map((queued) => (
            <PendingUserMessage key={queued.runId} text={queued.text} context={queued.context} label="Queued" onCancel={() => api.post({ type: 'stop', runId: queued.runId })} />
          ))}
          {view.outbox.map((entry) => (
            <OutboxMessage key={entry.clientRequestId} entry={entry} api={api} />
          ))}
          {view.retry && view.status === 'running' && <RetryNotice retry={view.retry} />}
          {view.approvals.map((approval) => (
            <ApprovalCard
              key={approval.id}
              approval={approval}
              onAnswer={async (decision, note) => api.post({ type: 'approve', approvalId: approval.id, decision, ...(note === '' ? {} : { note }) })}
            />
          ))}
        </MessageList>
      )}
      <div className="composer-dock">
        <Composer
          key={draftKey}
          api={api}
          running={running}
          disabled={view.deleted || view.connection.status === 'signed-out'}
          pendingContext={view.pendingContext}
          focusRequest={focusRequest}
        />
      </div>
    </main>
  );
}

function OutboxMessage({ entry, api }: { entry: OutboxView; api: PanelApi }) {
  const label = entry.state === 'sending' ? 'Sending…' : entry.state === 'waiting' ? 'Waiting for the connection — it will be sent once' : `Not sent: ${entry.error ?? ''}`;
  return (
    <div data-testid="outbox-entry" data-state={entry.state}>
      <PendingUserMessage
        text={entry.content}
        context={entry.context}
        label={label}
        onCancel={entry.state === 'sending' ? undefined : () => api.post({ type: 'discard-outbox', clientRequestId: entry.clientRequestId })}
      />
      {entry.state === 'failed' && (
        <button type="button" className="link-button" onClick={() => api.post({ type: 'retry-outbox', clientRequestId: entry.clientRequestId })}>
          Try again
        </button>
      )}
    </div>
  );
}

const connectionLabel: Record<PanelConnection['status'], string> = {
  'signed-out': 'Signed out',
  idle: 'Not connected',
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

/** Where the live connection stands; while reconnecting, which attempt and why. */
function ConnectionLine({ connection }: { connection: PanelConnection }) {
  const text =
    connection.status === 'reconnecting'
      ? `Reconnecting (attempt ${connection.attempt})${connection.nextDelayMs !== null ? `, next in ${Math.ceil(connection.nextDelayMs / 1000)} s` : ''}`
      : connectionLabel[connection.status];
  return (
    <span className={`panel-connection panel-connection-${connection.status}`} data-testid="connection" data-state={connection.status} title={connection.error ?? undefined} role="status">
      <span className="panel-connection-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function Banner({ testId, text, children }: { testId: string; text: string; children?: ReactNode }) {
  return (
    <div className="panel-banner" data-testid={testId} role="alert">
      <span>{text}</span>
      {children}
    </div>
  );
}
