import { memo, useState } from 'react';
import type { Message, Part } from 'confab/client';
import { messageText } from 'confab/client';
import { copyText } from '../../lib/clipboard.ts';
import { formatUsage, messageTime } from '../../lib/format.ts';
import { Icon } from '../common/icon.tsx';
import { BranchSwitcher, type BranchPosition } from './branch-switcher.tsx';
import { MarkdownView } from './markdown-view.tsx';
import { ReasoningBlock } from './reasoning-block.tsx';
import { PlanCard } from './plan-card.tsx';
import { ToolCallCard } from './tool-call-card.tsx';

const statusBadge: Partial<Record<Message['status'], string>> = {
  stopped: 'Stopped',
  interrupted: 'Interrupted',
  failed: 'Failed',
};

type Props = {
  message: Message;
  /** Continue is offered on the last assistant message when it was stopped or interrupted and nothing runs. */
  onContinue?: () => void;
  /** Set when the reply has other versions (regenerated). */
  branch?: BranchPosition;
  onSelectBranch?: (messageId: string) => void;
  /** Asks for another version of this reply (absent while a run is busy). */
  onRegenerate?: (messageId: string) => void;
};

/** An assistant turn: parts in order (text as Markdown, reasoning, tool cards, errors), then status, usage, cost. */
export const AssistantMessage = memo(function AssistantMessage({ message, onContinue, branch, onSelectBranch, onRegenerate }: Props) {
  const streaming = message.status === 'streaming';
  const blocks = mergeTextParts(message.parts);
  const lastIndex = blocks.length - 1;
  const usage = formatUsage(message.usage, message.cost);
  const badge = statusBadge[message.status];
  const empty = message.parts.every((part) => (part.kind === 'text' || part.kind === 'reasoning') && part.text === '');

  return (
    <article className="message assistant" data-testid="assistant-message" data-message-id={message.id} data-status={message.status} aria-label="Assistant message" aria-busy={streaming}>
      <div className="assistant-avatar" aria-hidden="true" />
      <div className="assistant-column">
        {blocks.map((part, index) => {
          const live = streaming && index === lastIndex;
          switch (part.kind) {
            case 'text':
              return part.text === '' ? null : <MarkdownView key={part.id} text={part.text} streaming={live} />;
            case 'reasoning':
              return <ReasoningBlock key={part.id} text={part.text} streaming={live} />;
            case 'tool-call':
              return <ToolCallCard key={part.id} call={part} />;
            case 'plan':
              return <PlanCard key={part.id} plan={part} />;
            case 'error':
              return (
                <div key={part.id} className="message-error" role="alert">
                  <Icon name="alert" size={16} />
                  <span>{part.message}</span>
                </div>
              );
            default:
              return null;
          }
        })}
        {streaming && empty && <TypingDots />}
        <div className="message-footer">
          {badge && <span className={`badge badge-${message.status}`}>{message.status === 'interrupted' ? 'Interrupted — the server stopped mid-reply' : badge}</span>}
          {onContinue && (
            <button type="button" className="button button-small" onClick={onContinue}>
              <Icon name="play" size={13} />
              Continue
            </button>
          )}
          {branch && onSelectBranch && <BranchSwitcher position={branch} onSelect={onSelectBranch} />}
          {!streaming && !empty && <CopyMessage text={messageText(message)} />}
          {!streaming && onRegenerate && (
            <button type="button" className="icon-button" aria-label="Regenerate reply" title="Regenerate (the current reply is kept as another version)" onClick={() => onRegenerate(message.id)}>
              <Icon name="refresh" size={15} />
            </button>
          )}
          <span className="message-meta" data-testid="message-meta">
            {message.model && <span className="message-model">{message.model}</span>}
            <time dateTime={new Date(message.createdAt).toISOString()} title={new Date(message.createdAt).toLocaleString()}>
              {messageTime(message.createdAt, Date.now())}
            </time>
          </span>
          {!streaming && usage && (
            <span className="usage" data-testid="message-usage" title={message.model ?? undefined}>
              {usage}
            </span>
          )}
        </div>
      </div>
    </article>
  );
});

/**
 * Adjacent text parts read as one text: a `continue` run appends a new part to the same message, and
 * its words carry on the sentence the stopped run left.
 */
function mergeTextParts(parts: readonly Part[]): Part[] {
  const merged: Part[] = [];
  for (const part of parts) {
    const previous = merged.at(-1);
    if (part.kind === 'text' && previous?.kind === 'text') merged[merged.length - 1] = { ...previous, text: previous.text + part.text };
    else merged.push(part);
  }
  return merged;
}

function CopyMessage({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  if (text === '') return null;
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={copied ? 'Copied' : 'Copy message'}
      title="Copy message"
      onClick={() => {
        void copyText(text).then(() => {
          setCopied(true);
          window.setTimeout(() => setCopied(false), 1500);
        });
      }}
    >
      <Icon name={copied ? 'check' : 'copy'} size={15} />
    </button>
  );
}

function TypingDots() {
  return (
    <div className="typing" aria-label="The assistant is writing">
      <span />
      <span />
      <span />
    </div>
  );
}
