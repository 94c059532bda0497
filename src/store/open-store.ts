import { join } from 'node:path';
import { MemoryStore } from './memory/memory-store.ts';
import { SqliteJournal } from './sqlite/sqlite-journal.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Journal } from './journal.ts';
import type { Store } from './store.ts';

export type OpenStoreOptions = { kind: 'memory' } | { kind: 'sqlite'; dataDir: string; writer?: 'inline' | 'worker'; onWriterError?: (error: unknown) => void };

/** Makes the configured Store and initialises it. SQLite keeps everything in `<dataDir>/confab.db`. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store =
    options.kind === 'memory'
      ? new MemoryStore()
      : new SqliteStore({ path: join(options.dataDir, 'confab.db'), writer: options.writer, onWriterError: options.onWriterError });
  await store.init();
  return store;
}

/**
 * The durable event journal beside the store's records, for a store that has one (SQLite: the
 * same file, read on the same connection and written through the same writer, so records and
 * events share one WAL and one order of writes); undefined otherwise. `close` marks a clean close
 * and must run before the store closes.
 */
export function openJournal(store: Store): (Journal & { close(): Promise<void> }) | undefined {
  if (!(store instanceof SqliteStore)) return undefined;
  return new SqliteJournal({ database: store.database, writer: store.writer });
}
