import { ConfabClientError, type ConfabClient, type ConversationWatch, type Run, type WatchState } from '../client/index.ts';
import { isTerminalRunStatus } from '../domain/schemas.ts';

/**
 * Resolves with the first run `matches` picks once the watch shows it ended. Rejects when the watch
 * fails (the conversation was deleted or cannot be read) or the connection gave up reconnecting.
 */
export function waitForRunEnd(client: ConfabClient, watch: ConversationWatch, matches: (run: Run) => boolean): Promise<Run> {
  const ended = new Promise<Run>((resolve, reject) => {
    let settled = false;
    const check = (current: WatchState) => {
      if (settled) return;
      const run = current.state?.runs.find(matches);
      if (run && isTerminalRunStatus(run.status)) finish(() => resolve(run));
      else if (current.deleted) finish(() => reject(new ConfabClientError('not_found', 'The conversation was deleted.')));
      else if (current.error) finish(() => reject(current.error));
    };
    const stopWatching = watch.subscribe(check);
    const stopConnection = client.onConnectionChange((connection) => {
      if (connection.status === 'closed' && connection.error) finish(() => reject(connection.error));
    });
    const finish = (settle: () => void) => {
      settled = true;
      stopWatching();
      stopConnection();
      settle();
    };
    // The run may have ended before this was called (its events can arrive before the send's
    // answer): subscribe only reports changes from now on, so look at the state as it is.
    check(watch.current);
  });
  // Awaited later; a rejection before then must not count as unhandled.
  ended.catch(() => undefined);
  return ended;
}
