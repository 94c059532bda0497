import type { ConfabClient } from '../../../src/client/confab-client.ts';
import type { ConnectionState } from '../../../src/client/connection.ts';
import type { ConversationWatch, WatchState } from '../../../src/client/conversation-watch.ts';
import type { ConfabEvent } from '../../../src/events/definitions.ts';

/** Resolves with the first watch state (current or later) that satisfies `predicate`. */
export function waitForWatch(watch: ConversationWatch, predicate: (state: WatchState) => boolean, timeoutMs = 15_000): Promise<WatchState> {
  if (predicate(watch.current)) return Promise.resolve(watch.current);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for the watch; status ${watch.status}, lastSeq ${watch.lastSeq}, error ${watch.current.error?.message ?? 'none'}`));
    }, timeoutMs);
    const stop = watch.subscribe((state) => {
      if (!predicate(state)) return;
      clearTimeout(timer);
      stop();
      resolve(state);
    });
  });
}

export function waitForConnection(client: ConfabClient, predicate: (state: ConnectionState) => boolean, timeoutMs = 15_000): Promise<ConnectionState> {
  if (predicate(client.connection)) return Promise.resolve(client.connection);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for the connection; now ${JSON.stringify(client.connection)}`));
    }, timeoutMs);
    const stop = client.onConnectionChange((state) => {
      if (!predicate(state)) return;
      clearTimeout(timer);
      stop();
      resolve(state);
    });
  });
}

/** Every event the watch accepts, from now on. */
export function recordEvents(watch: ConversationWatch): ConfabEvent[] {
  const events: ConfabEvent[] = [];
  watch.onEvent((event) => events.push(event));
  return events;
}

/** Every connection state the client goes through, from now on. */
export function recordConnection(client: ConfabClient): ConnectionState[] {
  const states: ConnectionState[] = [];
  client.onConnectionChange((state) => states.push(state));
  return states;
}

/** What two watchers must agree on, event by event (the cursor's epoch and `at` included via data only). */
export function transcript(events: ConfabEvent[]): { seq: number; type: string; data: unknown }[] {
  return events.map(({ seq, type, data }) => ({ seq, type, data }));
}

export const runEnded = (runId: string) => (state: WatchState) =>
  state.state?.runs.some((run) => run.id === runId && ['completed', 'stopped', 'failed', 'interrupted'].includes(run.status)) ?? false;

export const deltaCount = (events: ConfabEvent[]) => events.filter((event) => event.type === 'part-delta').length;

/** Resolves once every watch has applied the same last event (re-checked on a change of any of them). */
export function waitForSameSeq(watches: ConversationWatch[], timeoutMs = 15_000): Promise<number> {
  const same = () => watches.every((watch) => watch.current.loaded && watch.lastSeq === watches[0].lastSeq);
  if (same()) return Promise.resolve(watches[0].lastSeq);
  return new Promise((resolve, reject) => {
    const stops: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      for (const stop of stops) stop();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for the same seq; have ${watches.map((watch) => watch.lastSeq).join(', ')}`));
    }, timeoutMs);
    for (const watch of watches) {
      stops.push(
        watch.subscribe(() => {
          if (!same()) return;
          done();
          resolve(watches[0].lastSeq);
        }),
      );
    }
  });
}
