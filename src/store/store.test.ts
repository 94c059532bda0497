import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { MemoryStore } from './memory/memory-store.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './postgres/postgres-test-database.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';
import { runStoreContract } from './store-contract.ts';
import { runSelectedContracts } from '../util/contract-selection.ts';

/**
 * Runs the Store contract over the stores named in CONFAB_TEST_STORES (default `memory,sqlite,sqlite-worker`, and
 * `postgres` when a Postgres answers: see postgres/postgres-test-database.ts).
 */

const temporaryDirectories: string[] = [];
let database: TestDatabase | undefined;
let schemas = 0;
after(async () => {
  for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
  await database?.drop();
});

type StoreFactory = () => Store | Promise<Store>;
await runSelectedContracts<StoreFactory>({
  variable: 'CONFAB_TEST_STORES',
  contract: 'Store contract',
  defaults: ['memory', 'sqlite', 'sqlite-worker', 'postgres'],
  implementations: {
    memory: async () => () => new MemoryStore(),
    sqlite: async () => () => {
      const directory = mkdtempSync(join(tmpdir(), 'confab-store-'));
      temporaryDirectories.push(directory);
      return new SqliteStore({ path: join(directory, 'confab.db') });
    },
    // Writes on a worker thread's connection, reads on this one (`confab serve`'s default).
    'sqlite-worker': async () => () => {
      const directory = mkdtempSync(join(tmpdir(), 'confab-store-'));
      temporaryDirectories.push(directory);
      return new SqliteStore({ path: join(directory, 'confab.db'), writer: 'worker' });
    },
    // One database for the file, one schema (search_path) per store, so each test starts empty.
    postgres: async () =>
      (await postgresUnavailable()) ??
      (async () => {
        database ??= await createTestDatabase('confab_test_store');
        return new PostgresStore({ pool: await database.pool({ schema: `store_${++schemas}` }) });
      }),
  },
  run: runStoreContract,
});
