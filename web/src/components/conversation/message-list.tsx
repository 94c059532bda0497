import { useEffect, useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { siblingsOf, type BranchTree, type Message } from 'confab/client';
import type { BranchPosition } from './branch-switcher.tsx';
import { Icon } from '../common/icon.tsx';
import { AssistantMessage } from './assistant-message.tsx';
import { UserMessage } from './user-message.tsx';

/** What the messages offer besides reading: versions, regenerate, edit. Absent handlers hide their buttons. */
export type MessageActions = {
  tree: BranchTree<Message>;
  onSelectBranch: (messageId: string) => void;
  onRegenerate?: (messageId: string) => void;
  onEdit?: (message: Message, text: string) => Promise<boolean>;
};

type Props = {
  /** The branch shown. */
  messages: readonly Message[];
  actions?: MessageActions;
  /** Offer Continue on the last assistant message (stopped or interrupted, nothing running). */
  onContinue: (() => void) | null;
  /** A message to scroll to and mark (a search hit opened), once it is shown. */
  targetMessageId?: string | null;
  /** Queued and sending messages, the retry notice: shown after the messages. */
  children?: ReactNode;
};

/**
 * The scrolling transcript. It follows new text while the reader is at the bottom and stays put
 * when they scrolled up (with a button back to the latest).
 */
export function MessageList({ messages, actions, onContinue, targetMessageId, children }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const [showJump, setShowJump] = useState(false);
  useScrollToTarget(scroller, pinned, targetMessageId ?? null);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  });

  const last = messages.at(-1);
  const continueId = onContinue && last?.role === 'assistant' && (last.status === 'stopped' || last.status === 'interrupted') ? last.id : null;

  return (
    <div
      ref={scroller}
      className="transcript"
      onScroll={(event) => {
        const element = event.currentTarget;
        const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
        pinned.current = atBottom;
        if (showJump === atBottom) setShowJump(!atBottom);
      }}
    >
      <div className="transcript-inner" role="log" aria-label="Messages" aria-live="off">
        {messages.map((message) => {
          const branch = actions && branchPosition(message.id, actions.tree);
          return message.role === 'user' ? (
            <UserMessage key={message.id} message={message} branch={branch} onSelectBranch={actions?.onSelectBranch} onEdit={actions?.onEdit} />
          ) : (
            <AssistantMessage
              key={message.id}
              message={message}
              onContinue={message.id === continueId ? (onContinue ?? undefined) : undefined}
              branch={branch}
              onSelectBranch={actions?.onSelectBranch}
              onRegenerate={actions?.onRegenerate}
            />
          );
        })}
        {children}
      </div>
      {showJump && (
        <button
          type="button"
          className="jump-latest"
          aria-label="Jump to the latest message"
          onClick={() => {
            pinned.current = true;
            scroller.current?.scrollTo({ top: scroller.current.scrollHeight, behavior: 'smooth' });
          }}
        >
          <Icon name="arrowDown" size={16} />
        </button>
      )}
    </div>
  );
}

/** Scrolls the target message into view and marks it (`data-found`); the transcript stops following the bottom. */
function useScrollToTarget(scroller: RefObject<HTMLDivElement | null>, pinned: RefObject<boolean>, messageId: string | null): void {
  useEffect(() => {
    const element = messageId && scroller.current?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (!element) return;
    pinned.current = false;
    element.setAttribute('data-found', '');
    element.scrollIntoView({ block: 'center' });
    return () => element.removeAttribute('data-found');
  }, [scroller, pinned, messageId]);
}

/** Kept stable (undefined) for a message with one version, so memoized rows do not re-render. */
function branchPosition(messageId: string, tree: BranchTree<Message>): BranchPosition | undefined {
  const { siblings, index } = siblingsOf(messageId, tree);
  if (siblings.length < 2) return undefined;
  return { index, count: siblings.length, previousId: siblings[index - 1]?.id ?? null, nextId: siblings[index + 1]?.id ?? null };
}
