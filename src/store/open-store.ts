import { join } from 'node:path';
import { MemoryStore } from './memory/memory-store.ts';
import { SqliteJournal } from './sqlite/sqlite-journal.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Journal } from './journal.ts';
import type { Store } from './store.ts';

export type OpenStoreOptions = { kind: 'memory' } | { kind: 'sqlite'; dataDir: string };

/** Makes the configured Store and initialises it. SQLite keeps everything in `<dataDir>/confab.db`. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store = options.kind === 'memory' ? new MemoryStore() : new SqliteStore({ path: join(options.dataDir, 'confab.db') });
  await store.init();
  return store;
}

/**
 * The durable event journal beside the store's records, for a store that has one (SQLite: the
 * same file and connection, so records and events share its WAL; `checkpointInWorker`: its
 * checkpoints run in a worker thread); undefined otherwise. `close` marks a clean close and must
 * run before the store closes.
 */
export function openJournal(store: Store, options: { checkpointInWorker?: boolean; onError?: (error: unknown) => void } = {}): (Journal & { close(): Promise<void> }) | undefined {
  if (!(store instanceof SqliteStore)) return undefined;
  return new SqliteJournal({ database: store.database, checkpointInWorker: options.checkpointInWorker, onError: options.onError });
}
