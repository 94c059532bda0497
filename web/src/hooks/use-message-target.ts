import { useEffect, useRef, useState } from 'react';
import type { ConversationWatch, Message } from 'confab/client';

/**
 * The message a link points at (`/c/<id>#message=<messageId>`, a search hit), once it is shown.
 * When it sits on a branch other than the one shown, that branch is selected first (the server's
 * branch-select command, as the arrows do), once per target. Null while there is nothing to show:
 * no target, not loaded yet, or no such message.
 */
export function useMessageTarget(messageId: string | undefined, watch: ConversationWatch | null, all: readonly Message[], shown: readonly Message[], onError: (error: unknown) => void): string | null {
  const [selected, setSelected] = useState<string | null>(null);
  const asked = useRef<string | null>(null);
  const exists = messageId !== undefined && all.some((message) => message.id === messageId);
  const visible = exists && shown.some((message) => message.id === messageId);

  useEffect(() => {
    if (!watch || !exists || visible || asked.current === messageId) return;
    asked.current = messageId;
    watch.selectBranch(messageId).catch(onError);
  }, [watch, messageId, exists, visible, onError]);

  useEffect(() => {
    if (visible) setSelected(messageId);
  }, [visible, messageId]);

  return messageId !== undefined && selected === messageId ? messageId : null;
}
