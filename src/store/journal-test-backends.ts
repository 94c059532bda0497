import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Journal } from './journal.ts';
import { PostgresJournal } from './postgres/postgres-journal.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './postgres/postgres-test-database.ts';
import { SqliteJournal } from './sqlite/sqlite-journal.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

/**
 * Test support: the stores that have an event journal, for suites run over each (the journal
 * contract, the journaled event log, the hub on the journal). `CONFAB_TEST_JOURNALS` names them
 * (default `sqlite,postgres`; `postgres` is skipped with a note when no Postgres answers, unless it
 * was named or CI is set: see postgres/postgres-test-database.ts).
 */

export type OpenedJournal = {
  store: Store;
  journal: Journal & { close(): Promise<void> };
  /** A clean stop: the journal marks it, then the store closes. */
  close(): Promise<void>;
};

/** One place records and events are kept (a SQLite file, a Postgres schema), opened as often as a test restarts. */
export type JournalStorage = {
  /**
   * Opens the store and its journal as a new process would. `history`: the boot of the OS (SQLite)
   * or history of the database (Postgres) it opens in; another one than before plays a power loss
   * or a failover. Default: the same every time.
   */
  open(options?: { history?: string }): Promise<OpenedJournal>;
  /** Removes the storage (after the stores opened on it are closed). */
  dispose(): Promise<void>;
};

export type JournalBackend = { name: string; storage(): Promise<JournalStorage> };

let database: TestDatabase | undefined;
let schemas = 0;

const backends: Record<string, () => JournalBackend> = {
  sqlite: () => ({
    name: 'sqlite',
    async storage() {
      const directory = await mkdtemp(join(tmpdir(), 'confab-journal-'));
      const path = join(directory, 'confab.db');
      return {
        async open({ history = 'boot-1' } = {}) {
          const store = new SqliteStore({ path });
          await store.init();
          const journal = new SqliteJournal({ database: store.database, bootId: history });
          return { store, journal, close: async () => (await journal.close(), await store.close()) };
        },
        dispose: () => rm(directory, { recursive: true, force: true }),
      };
    },
  }),
  // One database per test process, one schema (search_path) per storage.
  postgres: () => ({
    name: 'postgres',
    async storage() {
      database ??= await createTestDatabase('confab_test_journal');
      const schema = `journal_${++schemas}`;
      const pools: { end(): Promise<void>; ended: boolean }[] = [];
      return {
        async open({ history = 'history-1' } = {}) {
          const pool = await database!.pool({ schema });
          pools.push(pool);
          const store = new PostgresStore({ pool });
          await store.init();
          const journal = await PostgresJournal.open({ pool: store.pool, history });
          return { store, journal, close: async () => (await journal.close(), await store.close()) };
        },
        async dispose() {
          await Promise.all(pools.map((pool) => (pool.ended ? undefined : pool.end().catch(() => {}))));
        },
      };
    },
  }),
};

/** The backends to run suites over, and those skipped with the reason. */
export async function selectedJournalBackends(): Promise<{ selected: JournalBackend[]; skipped: { name: string; reason: string }[] }> {
  const named = process.env.CONFAB_TEST_JOURNALS;
  const names = (named ?? 'sqlite,postgres').split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !Object.hasOwn(backends, name));
  if (unknown.length > 0) throw new Error(`CONFAB_TEST_JOURNALS names unknown journals: ${unknown.join(', ')} (known: ${Object.keys(backends).join(', ')})`);
  const selected: JournalBackend[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const name of names) {
    const reason = name === 'postgres' ? await postgresUnavailable() : undefined;
    if (reason && named !== undefined) throw new Error(`CONFAB_TEST_JOURNALS names postgres, but ${reason}`);
    if (reason) skipped.push({ name, reason });
    else selected.push(backends[name]!());
  }
  return { selected, skipped };
}

/** Drops the test database, if a suite made one; call from the test file's `after`. */
export async function disposeJournalBackends(): Promise<void> {
  await database?.drop();
  database = undefined;
}
