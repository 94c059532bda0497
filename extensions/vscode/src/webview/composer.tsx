import { useEffect, useRef, useState } from 'react';
import type { ContextInput } from 'confab/client';
import { Icon } from '../../../../web/src/components/common/icon.tsx';
import { AttachmentChips } from '../../../../web/src/components/composer/attachment-chips.tsx';
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
      <AttachmentChips items={pendingContext} onRemove={(index) => api.post({ type: 'remove-context', index })} />
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
