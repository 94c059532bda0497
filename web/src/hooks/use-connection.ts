import { useEffect, useSyncExternalStore } from 'react';
import type { ConnectionState } from 'confab/client';
import { client } from '../client.ts';

/** The SDK's live connection state; also nudges a reconnect when the browser comes back online. */
export function useConnection(): ConnectionState {
  useEffect(() => {
    const online = () => client.reconnect();
    window.addEventListener('online', online);
    return () => window.removeEventListener('online', online);
  }, []);
  return useSyncExternalStore(
    (listener) => client.onConnectionChange(listener),
    () => client.connection,
  );
}
