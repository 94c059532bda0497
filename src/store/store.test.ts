import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { MemoryStore } from './memory/memory-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';
import { runStoreContract } from './store-contract.ts';

/** Runs the Store contract over the stores named in CONFAB_TEST_STORES (default `memory,sqlite`). */

const temporaryDirectories: string[] = [];
after(() => {
  for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
});

const factories: Record<string, () => Store> = {
  memory: () => new MemoryStore(),
  sqlite: () => {
    const directory = mkdtempSync(join(tmpdir(), 'confab-store-'));
    temporaryDirectories.push(directory);
    return new SqliteStore({ path: join(directory, 'confab.db') });
  },
};

const selected = (process.env.CONFAB_TEST_STORES ?? 'memory,sqlite')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');
const unknown = selected.filter((name) => !Object.hasOwn(factories, name));
if (unknown.length > 0) {
  throw new Error(`CONFAB_TEST_STORES names unknown stores: ${unknown.join(', ')} (known: ${Object.keys(factories).join(', ')})`);
}
for (const name of selected) runStoreContract(name, factories[name]);
