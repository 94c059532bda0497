import { memo, useState, type ReactNode } from 'react';
import type { ContextInput, Message, Part } from 'confab/client';
import { Icon } from '../common/icon.tsx';
import { BranchSwitcher, type BranchPosition } from './branch-switcher.tsx';
import { ContextChips } from './context-chips.tsx';

type ContextPart = Extract<Part, { kind: 'context' }>;

type UserMessageProps = {
  message: Message;
  /** Set when the message has other versions (edits). */
  branch?: BranchPosition;
  onSelectBranch?: (messageId: string) => void;
  /** Sends the edited text as a new version of this message (absent while a run is busy). Resolves false when it was not sent. */
  onEdit?: (message: Message, text: string) => Promise<boolean>;
};

/** The user's words (as written, not Markdown) and what they attached; Edit resends them changed, as a new branch. */
export const UserMessage = memo(function UserMessage({ message, branch, onSelectBranch, onEdit }: UserMessageProps) {
  const [editing, setEditing] = useState(false);
  const contexts = message.parts.filter((part): part is ContextPart => part.kind === 'context');
  const text = message.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');
  if (editing && onEdit) {
    return <EditBubble text={text} contexts={contexts} onCancel={() => setEditing(false)} onSave={async (edited) => (await onEdit(message, edited)) && (setEditing(false), true)} />;
  }
  const footer = (branch && onSelectBranch) || onEdit ? (
    <div className="message-footer message-actions">
      {branch && onSelectBranch && <BranchSwitcher position={branch} onSelect={onSelectBranch} />}
      {onEdit && (
        <button type="button" className="icon-button icon-button-small" aria-label="Edit message" title="Edit and resend" onClick={() => setEditing(true)}>
          <Icon name="pencil" size={14} />
        </button>
      )}
    </div>
  ) : null;
  return <UserBubble messageId={message.id} text={text} contexts={contexts} footer={footer} />;
});

function EditBubble({ text, contexts, onSave, onCancel }: { text: string; contexts: ContextPart[]; onSave: (text: string) => Promise<boolean>; onCancel: () => void }) {
  const [draft, setDraft] = useState(text);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    if (draft.trim() === '' || saving) return;
    setSaving(true);
    if (!(await onSave(draft))) setSaving(false);
  };
  return (
    <article className="message user editing" data-testid="user-message-editor" aria-label="Editing your message">
      <div className="user-column user-column-wide">
        {contexts.length > 0 && <ContextChips parts={contexts} />}
        <textarea
          className="edit-input"
          aria-label="Edited message"
          value={draft}
          rows={Math.min(12, Math.max(2, draft.split('\n').length))}
          autoFocus
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              event.stopPropagation();
              onCancel();
            } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              void save();
            }
          }}
        />
        <div className="message-footer">
          <button type="button" className="button button-small" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="button button-small button-primary" disabled={draft.trim() === '' || saving} onClick={() => void save()}>
            Send
          </button>
        </div>
      </div>
    </article>
  );
}

/** A message not in the conversation yet: being sent, or queued behind the running reply. */
export function PendingUserMessage({ text, context, label, onCancel }: { text: string; context: ContextInput[]; label: string; onCancel?: () => void }) {
  const contexts: ContextPart[] = context.map((input, index) => ({ id: `pending-${index}`, kind: 'context', path: input.path, content: input.content ?? '', range: input.range }));
  return <UserBubble text={text} contexts={contexts} pending={label} onCancel={onCancel} />;
}

function UserBubble({ messageId, text, contexts, pending, onCancel, footer }: { messageId?: string; text: string; contexts: ContextPart[]; pending?: string; onCancel?: () => void; footer?: ReactNode }) {
  return (
    <article className={pending ? 'message user pending' : 'message user'} data-testid={pending ? 'pending-message' : 'user-message'} data-message-id={messageId} aria-label={pending ? `Your message (${pending})` : 'Your message'}>
      <div className="user-column">
        {contexts.length > 0 && <ContextChips parts={contexts} />}
        <div className="user-bubble">{text}</div>
        {footer}
        {pending && (
          <div className="message-footer">
            <span className="badge badge-queued">{pending}</span>
            {onCancel && (
              <button type="button" className="link-button" onClick={onCancel}>
                Cancel
              </button>
            )}
          </div>
        )}
      </div>
    </article>
  );
}
