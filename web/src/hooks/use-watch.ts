import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { ConversationWatch, WatchState } from 'confab/client';
import { client } from '../client.ts';

const noSubscription = () => () => undefined;

/**
 * A conversation's live state from the SDK. The watch is opened in an effect and closed on unmount;
 * its immutable `current` is the store snapshot, so React re-renders once per applied event and
 * untouched messages keep their identity (memoized rows stay put while one message streams).
 */
export function useWatch(conversationId: string): { watch: ConversationWatch | null; state: WatchState | null } {
  const [watch, setWatch] = useState<ConversationWatch | null>(null);
  useEffect(() => {
    const opened = client.watch(conversationId);
    setWatch(opened);
    return () => {
      opened.close();
      setWatch(null);
    };
  }, [conversationId]);
  const subscribe = useCallback((listener: () => void) => (watch ? watch.subscribe(listener) : noSubscription()), [watch]);
  const state = useSyncExternalStore(subscribe, () => watch?.current ?? null);
  return { watch, state };
}
