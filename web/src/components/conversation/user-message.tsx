import { memo } from 'react';
import type { ContextInput, Message, Part } from 'confab/client';
import { ContextChips } from './context-chips.tsx';

type ContextPart = Extract<Part, { kind: 'context' }>;

/** The user's words (as written, not Markdown) and what they attached. */
export const UserMessage = memo(function UserMessage({ message }: { message: Message }) {
  const contexts = message.parts.filter((part): part is ContextPart => part.kind === 'context');
  const text = message.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');
  return <UserBubble text={text} contexts={contexts} />;
});

/** A message not in the conversation yet: being sent, or queued behind the running reply. */
export function PendingUserMessage({ text, context, label, onCancel }: { text: string; context: ContextInput[]; label: string; onCancel?: () => void }) {
  const contexts: ContextPart[] = context.map((input, index) => ({ id: `pending-${index}`, kind: 'context', path: input.path, content: input.content ?? '', range: input.range }));
  return <UserBubble text={text} contexts={contexts} pending={label} onCancel={onCancel} />;
}

function UserBubble({ text, contexts, pending, onCancel }: { text: string; contexts: ContextPart[]; pending?: string; onCancel?: () => void }) {
  return (
    <article className={pending ? 'message user pending' : 'message user'} data-testid={pending ? 'pending-message' : 'user-message'} aria-label={pending ? `Your message (${pending})` : 'Your message'}>
      <div className="user-column">
        {contexts.length > 0 && <ContextChips parts={contexts} />}
        <div className="user-bubble">{text}</div>
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
