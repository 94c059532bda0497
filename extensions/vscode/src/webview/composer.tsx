import { useEffect, useRef, useState } from 'react';
import type { ContextInput } from 'confab/client';
import { Icon } from '../../../../web/src/components/common/icon.tsx';
import { rangeLabel } from '../../../../web/src/components/conversation/context-chips.tsx';
import type { PanelApi } from './panel-api.ts';

type Props = {
  api: PanelApi;
  running: boolean;
  disabled: boolean;
  /** Attachments for the next message (Add Code Context), owned by the host. */
  pendingContext: ContextInput[];
  /** Changes when the host asks for the focus (after Add Code Context). */
  focusRequest: number;
};

/** Enter sends, Shift+Enter adds a line, Esc stops. The draft survives a window reload (page state). */
export function Composer({ api, running, disabled, pendingContext, focusRequest }: Props) {
  const [text, setText] = useState(() => api.getState().draft ?? '');
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const saved = api.getState();
    if (saved.conversationId) api.setState({ ...saved, conversationId: saved.conversationId, draft: text });
    const element = area.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, 240)}px`;
  }, [text, api]);
  useEffect(() => area.current?.focus(), [focusRequest]);

  const send = () => {
    if (text.trim() === '' || disabled) return;
    api.post({ type: 'send', content: text });
    setText('');
  };

  return (
    <form
      className="composer"
      aria-label="Message composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      {pendingContext.length > 0 && (
        <div className="chips composer-chips">
          {pendingContext.map((item, index) => (
            <span key={`${item.path}-${index}`} className="chip" data-testid="attachment">
              <Icon name="file" size={14} />
              <span className="chip-path">{item.path}</span>
              {item.range && <span className="chip-range">{rangeLabel(item.range)}</span>}
              <button type="button" className="chip-remove" aria-label={`Remove ${item.path}`} onClick={() => api.post({ type: 'remove-context', index })}>
                <Icon name="x" size={12} />
              </button>
            </span>
          ))}
        </div>
      )}
      <textarea
        ref={area}
        className="composer-input"
        aria-label="Message"
        placeholder={disabled ? 'Sign in to send' : 'Ask Confab…'}
        rows={1}
        value={text}
        disabled={disabled}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            send();
          } else if (event.key === 'Escape' && running) {
            event.preventDefault();
            api.post({ type: 'stop' });
          }
        }}
      />
      <div className="composer-bar">
        <span className="composer-hint-inline muted">Enter to send · Shift+Enter for a new line · Esc to stop</span>
        <div className="composer-actions">
          {running && (
            <button type="button" className="round-button stop-button" aria-label="Stop" title="Stop the reply" onClick={() => api.post({ type: 'stop' })}>
              <Icon name="stop" size={14} />
            </button>
          )}
          <button type="submit" className="round-button send-button" aria-label="Send" disabled={disabled || text.trim() === ''}>
            <Icon name="send" size={16} />
          </button>
        </div>
      </div>
    </form>
  );
}
