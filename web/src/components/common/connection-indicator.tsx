import { client } from '../../client.ts';
import { useConnection } from '../../hooks/use-connection.ts';
import { useAppState } from '../../lib/app-store.ts';

type Shown = { tone: 'ok' | 'warn' | 'down'; label: string; detail: string };

/**
 * Connected / Reconnecting / Offline, from the SDK's live connection (and, while no conversation is
 * watched, from whether REST calls reach the server). The SDK reconnects and resubscribes from each
 * watch's cursor by itself; "Retry now" only skips the wait.
 */
export function ConnectionIndicator() {
  const connection = useConnection();
  const { reachable } = useAppState();
  const shown = describe(connection.status, connection.attempt, reachable);
  return (
    <div className={`connection connection-${shown.tone}`} role="status" aria-live="polite" data-testid="connection" data-state={shown.label.toLowerCase()}>
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-label" title={shown.detail}>
        {shown.label}
      </span>
      {shown.tone !== 'ok' && (
        <button type="button" className="link-button" onClick={() => client.reconnect()}>
          Retry now
        </button>
      )}
    </div>
  );
}

function describe(status: string, attempt: number, reachable: boolean): Shown {
  const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
  if (offline) return { tone: 'down', label: 'Offline', detail: 'This computer is offline.' };
  switch (status) {
    case 'open':
      return { tone: 'ok', label: 'Connected', detail: 'Live updates are on.' };
    case 'connecting':
      return { tone: 'warn', label: 'Connecting', detail: 'Opening the live connection.' };
    case 'reconnecting':
      return attempt >= 4
        ? { tone: 'down', label: 'Offline', detail: `The server is not answering; still trying (attempt ${attempt}).` }
        : { tone: 'warn', label: 'Reconnecting', detail: `Connection lost; reconnecting (attempt ${attempt}).` };
    case 'closed':
      return { tone: 'down', label: 'Offline', detail: 'Gave up reconnecting.' };
    default:
      return reachable ? { tone: 'ok', label: 'Connected', detail: 'The server is reachable.' } : { tone: 'down', label: 'Offline', detail: 'The server is not answering.' };
  }
}
