import { useEffect, useRef, useState } from 'react';
import type { Message } from 'confab/client';
import { messageText } from 'confab/client';
import { renderMarkdown } from '../../lib/markdown.ts';

const spokenChars = 600;

/**
 * Tells screen readers about a reply once it is finished: the transcript itself is not a live region
 * (it would read every token), so a visually hidden polite region says "Assistant replied: …" (or
 * that the reply stopped or failed) when a message this page watched streaming ends. Replies that
 * were already finished when the page loaded are not announced.
 */
export function ReplyAnnouncer({ messages }: { messages: readonly Message[] }) {
  const streaming = useRef(new Set<string>());
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    for (const message of messages) {
      if (message.role !== 'assistant') continue;
      if (message.status === 'streaming') streaming.current.add(message.id);
      else if (streaming.current.delete(message.id)) setAnnouncement(describe(message));
    }
  }, [messages]);

  return (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="reply-announcer">
      {announcement}
    </div>
  );
}

function describe(message: Message): string {
  const text = plainText(messageText(message));
  const spoken = text.length > spokenChars ? `${text.slice(0, spokenChars)}… (continues in the transcript)` : text;
  switch (message.status) {
    case 'completed':
      return `Assistant replied: ${spoken}`;
    case 'stopped':
      return `Reply stopped. ${spoken}`;
    case 'interrupted':
      return `Reply interrupted. ${spoken}`;
    default: {
      const error = message.parts.find((part) => part.kind === 'error');
      return `Reply failed${error?.kind === 'error' ? `: ${error.message}` : '.'}`;
    }
  }
}

/** The reply as read on screen: Markdown rendered, then its text (without code-block headers). */
function plainText(markdown: string): string {
  // An inert document: nothing in it loads (images) or runs.
  const container = document.implementation.createHTMLDocument('').createElement('div');
  container.innerHTML = renderMarkdown(markdown);
  for (const head of container.querySelectorAll('.code-head')) head.remove();
  return (container.textContent ?? '').replace(/\s+/g, ' ').trim();
}
