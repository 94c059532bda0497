import { randomBytes } from 'node:crypto';
import { Client, Pool, type PoolConfig } from 'pg';

/**
 * Test support: a throwaway database on a real Postgres. The server is the one named by
 * CONFAB_TEST_DATABASE_URL (an admin connection, allowed to create databases), else the local one
 * at postgres://root@127.0.0.1:5432/postgres. Suites run when it answers; when it does not they are
 * skipped with a note, except under CI (the CI script starts Postgres), where that is a failure. A
 * server that is down refuses at once; the generous timeout is for a slow one on a loaded machine.
 */

export const adminUrl = process.env.CONFAB_TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

/** Resolves to undefined when the server answers, else to the reason it does not. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 15_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    const reason = `no Postgres at ${redact(adminUrl)} (${(error as Error).message})`;
    if (process.env.CI) throw new Error(`${reason}; under CI the Postgres suites must run`);
    return reason;
  } finally {
    await client.end().catch(() => {});
  }
}

export type TestDatabase = {
  /** Connection string of the new database. */
  url: string;
  /** A pool on the database, with `search_path` set to `schema` when given (the schema is created). */
  pool(options?: { schema?: string } & PoolConfig): Promise<Pool>;
  /** Ends the pools it made and drops the database, even with connections still open. */
  drop(): Promise<void>;
};

export async function createTestDatabase(prefix = 'confab_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pools: Pool[] = [];
  return {
    url: url.toString(),
    async pool({ schema, ...config } = {}) {
      if (schema !== undefined) {
        const setup = new Client({ connectionString: url.toString() });
        await setup.connect();
        await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).finally(() => setup.end());
      }
      const pool = new Pool({ connectionString: url.toString(), max: 4, ...(schema ? { options: `-c search_path=${schema}` } : {}), ...config });
      // An idle client cut off by drop()'s FORCE reports on the pool; at that point nobody cares.
      pool.on('error', () => {});
      pools.push(pool);
      return pool;
    },
    async drop() {
      await Promise.all(pools.splice(0).map((pool) => (pool.ended ? undefined : pool.end().catch(() => {}))));
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
