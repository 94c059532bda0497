import { randomBytes } from 'node:crypto';
import type { EventLog } from '../engine/event-log/event-log.ts';
import { JournalEventLog } from '../engine/event-log/journal-event-log.ts';
import { openJournal } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { systemClock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { JournalSettings } from './journal-settings.ts';

export type ServeEventLog = {
  /** Undefined: the hub's default in-memory log (`CONFAB_JOURNAL=off`, or a store without a journal). */
  eventLog: EventLog | undefined;
  /** Marks the journal clean; after the hub closes and before the store does. */
  close(): Promise<void>;
};

/**
 * The event log `confab serve` runs on: the durable journal beside the store's records (in the
 * SQLite file, or in the Postgres database of `--database-url`), so events are stored before any
 * client sees them (docs/architecture.md, "Durability").
 */
export async function openServeEventLog(store: Store, settings: JournalSettings, logger: Logger): Promise<ServeEventLog> {
  const journal = settings.enabled ? await openJournal(store) : undefined;
  if (!journal || !settings.enabled) return { eventLog: undefined, close: async () => {} };
  const eventLog = new JournalEventLog({
    journal,
    clock: systemClock,
    newEpoch: () => randomBytes(6).toString('base64url'),
    retention: settings.retention,
    checkpointBytes: settings.checkpointBytes,
    commitIntervalMs: settings.commitIntervalMs,
    onError: (error) => logger.error('event journal', { error }),
  });
  return { eventLog, close: () => journal.close() };
}
