import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { MemoryStore } from './memory/memory-store.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './postgres/postgres-test-database.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';
import { runStoreContract } from './store-contract.ts';

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

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'confab-store-'));
  temporaryDirectories.push(directory);
  return directory;
}

const factories: Record<string, () => Store | Promise<Store>> = {
  memory: () => new MemoryStore(),
  sqlite: () => new SqliteStore({ path: join(temporaryDirectory(), 'confab.db') }),
  // Writes on a worker thread's connection, reads on this one (`confab serve`'s default).
  'sqlite-worker': () => new SqliteStore({ path: join(temporaryDirectory(), 'confab.db'), writer: 'worker' }),
  // One database for the file, one schema (search_path) per store, so each test starts empty.
  postgres: async () => {
    database ??= await createTestDatabase('confab_test_store');
    return new PostgresStore({ pool: await database.pool({ schema: `store_${++schemas}` }) });
  },
};

const requested = process.env.CONFAB_TEST_STORES;
const postgresSkipped = requested === undefined ? await postgresUnavailable() : undefined;
const selected = (requested ?? (postgresSkipped ? 'memory,sqlite,sqlite-worker' : 'memory,sqlite,sqlite-worker,postgres'))
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');
const unknown = selected.filter((name) => !Object.hasOwn(factories, name));
if (unknown.length > 0) {
  throw new Error(`CONFAB_TEST_STORES names unknown stores: ${unknown.join(', ')} (known: ${Object.keys(factories).join(', ')})`);
}
for (const name of selected) runStoreContract(name, factories[name]);
if (postgresSkipped) it('Store contract: postgres', { skip: postgresSkipped }, () => {});
