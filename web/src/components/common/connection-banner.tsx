import { useEffect, useMemo, useRef, useState } from 'react';
import type { ConnectionState } from 'confab/client';
import { client } from '../../client.ts';
import { useConnection } from '../../hooks/use-connection.ts';
import { useNow } from '../../hooks/use-now.ts';
import { Icon } from './icon.tsx';

const reconnectedShownMs = 3000;

/**
 * The live connection, where the conversation is read (the sidebar's indicator is hidden in the
 * drawer on a phone): "Reconnecting…" while an attempt is under way, "Connection lost — retrying in
 * N s" while waiting for the next one, then "Reconnected" for a few seconds. Nothing while all is
 * well, and nothing for the first connect.
 */
export function ConnectionBanner() {
  const connection = useConnection();
  const lost = connection.status === 'reconnecting' || (connection.status === 'closed' && connection.error !== null);
  const [wasLost, setWasLost] = useState(false);
  const [reconnectedAt, setReconnectedAt] = useState<number | null>(null);
  // When this state began: the countdown runs from there.
  const since = useMemo(() => Date.now(), [connection]);
  const now = useNow(250, lost);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => {
    if (lost) {
      setWasLost(true);
      setReconnectedAt(null);
    } else if (connection.status === 'open' && wasLost) {
      setWasLost(false);
      setReconnectedAt(Date.now());
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => setReconnectedAt(null), reconnectedShownMs);
    }
  }, [lost, connection.status, wasLost]);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
  const text = lost ? lostText(connection, since, now, offline) : reconnectedAt !== null ? 'Reconnected' : null;
  const tone = lost ? 'warn' : 'ok';
  return (
    <div className="connection-banner-slot" role="status" aria-live="polite">
      {text && (
        <div className={`connection-banner connection-banner-${tone}`} data-testid="connection-banner" data-state={lost ? 'lost' : 'reconnected'}>
          <Icon name={lost ? 'alert' : 'check'} size={15} />
          <span>{text}</span>
          {lost && connection.nextDelayMs !== null && (
            <button type="button" className="link-button" onClick={() => client.reconnect()}>
              Retry now
            </button>
          )}
          {connection.status === 'closed' && (
            <button type="button" className="link-button" onClick={() => client.reconnect()}>
              Reconnect
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function lostText(connection: ConnectionState, since: number, now: number, offline: boolean): string {
  if (connection.status === 'closed') return 'Connection lost. Live updates are off.';
  const prefix = offline ? 'You are offline' : 'Connection lost';
  if (connection.nextDelayMs === null) return 'Reconnecting…';
  const seconds = Math.max(1, Math.ceil((since + connection.nextDelayMs - now) / 1000));
  return `${prefix} — retrying in ${seconds} s`;
}
