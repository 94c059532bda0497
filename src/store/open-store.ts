import { join } from 'node:path';
import { MemoryStore } from './memory/memory-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

export type OpenStoreOptions = { kind: 'memory' } | { kind: 'sqlite'; dataDir: string };

/** Makes the configured Store and initialises it. SQLite keeps everything in `<dataDir>/confab.db`. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store = options.kind === 'memory' ? new MemoryStore() : new SqliteStore({ path: join(options.dataDir, 'confab.db') });
  await store.init();
  return store;
}
