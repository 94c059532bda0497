import { join } from 'node:path';
import { Pool } from 'pg';
import type { Logger } from '../util/logger.ts';
import { MemoryStore } from './memory/memory-store.ts';
import { PostgresJournal } from './postgres/postgres-journal.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { SqliteJournal } from './sqlite/sqlite-journal.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Journal } from './journal.ts';
import type { Store } from './store.ts';

export type OpenStoreOptions =
  | { kind: 'memory' }
  | { kind: 'sqlite'; dataDir: string; writer?: 'inline' | 'worker'; onWriterError?: (error: unknown) => void }
  | { kind: 'postgres'; databaseUrl: string; logger: Logger };

/**
 * Makes the configured Store and initialises it. SQLite keeps everything in `<dataDir>/confab.db`;
 * Postgres applies its migrations to the database first.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store = newStore(options);
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

function newStore(options: OpenStoreOptions): Store {
  if (options.kind === 'memory') return new MemoryStore();
  if (options.kind === 'sqlite') return new SqliteStore({ path: join(options.dataDir, 'confab.db'), writer: options.writer, onWriterError: options.onWriterError });
  const pool = new Pool({ connectionString: options.databaseUrl, max: 10 });
  pool.on('error', (error) => options.logger.warn('Postgres connection error', { error }));
  return new PostgresStore({ pool });
}

/**
 * The durable event journal beside the store's records, for a store that has one (SQLite: the
 * same file, read on the same connection and written through the same writer, so records and
 * events share one WAL and one order of writes; Postgres: the same database and pool); undefined
 * otherwise. `close` marks a clean close and must run before the store closes.
 */
export async function openJournal(store: Store): Promise<(Journal & { close(): Promise<void> }) | undefined> {
  if (store instanceof PostgresStore) return PostgresJournal.open({ pool: store.pool });
  if (!(store instanceof SqliteStore)) return undefined;
  return new SqliteJournal({ database: store.database, writer: store.writer });
}
