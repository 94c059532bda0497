import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { latestPostgresSchemaVersion } from '../../src/store/postgres/postgres-migrations.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../../src/store/postgres/postgres-test-database.ts';
import { runConfab } from '../support/server-fixture.ts';

/** The cluster commands' refusals, answered before anything connects, and `confab migrate` on a real Postgres. */
describe('confab worker, confab migrate and serve --database-url: usage errors', () => {
  it('refuses what cannot make a cluster, exit 2 and one line: no URLs, one URL without the other, a wrong scheme, a bad concurrency, cluster flags without a cluster', async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [['worker'], {}, 'confab worker: a worker needs the cluster: give --database-url and --redis-url (or CONFAB_DATABASE_URL and CONFAB_REDIS_URL).\n'],
      [['worker', '--database-url', 'postgres://h/db'], {}, 'confab worker: A database URL was given without a Redis URL: a cluster needs both (--redis-url or CONFAB_REDIS_URL).\n'],
      [['worker'], { CONFAB_REDIS_URL: 'redis://h' }, 'confab worker: A Redis URL was given without a database URL: a cluster needs both (--database-url or CONFAB_DATABASE_URL).\n'],
      [['worker', '--database-url', 'mysql://u:secret@h/db', '--redis-url', 'redis://h'], {}, 'confab worker: The database URL must start with postgres:// or postgresql://, got "mysql://u:***@h/db".\n'],
      [['worker', '--database-url', 'postgres://h/db', '--redis-url', 'http://h'], {}, 'confab worker: The Redis URL must start with redis:// or rediss://, got "http://h".\n'],
      [['worker', '--database-url', 'postgres://h/db', '--redis-url', 'redis://h', '--concurrency', '0'], {}, 'confab worker: --concurrency must be a whole number from 1 to 256, got "0".\n'],
      [['worker', '--database-url', 'postgres://h/db', '--redis-url', 'redis://h', '--concurrency', '257'], {}, 'confab worker: --concurrency must be a whole number from 1 to 256, got "257".\n'],
      [['worker', '--database-url', 'postgres://h/db', '--redis-url', 'redis://h', '--shutdown-grace', 'soon'], {}, 'confab worker: --shutdown-grace must be a duration such as 30s or 5m, got "soon".\n'],
      [['worker', '--database-url', 'postgres://h/db', '--redis-url', 'redis://h'], { CONFAB_REDIS_KEY_PREFIX: 'a{b}' }, 'confab worker: CONFAB_REDIS_KEY_PREFIX cannot contain braces, got "a{b}".\n'],
      [['serve', '--no-worker'], {}, 'confab serve: --no-worker and --concurrency apply to a cluster node: give --database-url and --redis-url (or CONFAB_DATABASE_URL and CONFAB_REDIS_URL).\n'],
      [['serve', '--redis-url', 'redis://h'], {}, 'confab serve: A Redis URL was given without a database URL: a cluster needs both (--database-url or CONFAB_DATABASE_URL).\n'],
      [['serve', '--database-url', 'mysql://u:secret@h/db'], {}, 'confab serve: The database URL must start with postgres:// or postgresql://, got "mysql://u:***@h/db".\n'],
      [['serve', '--database-url', 'postgres://h/db', '--no-worker'], {}, 'confab serve: --no-worker and --concurrency apply to a cluster node: give --database-url and --redis-url (or CONFAB_DATABASE_URL and CONFAB_REDIS_URL).\n'],
      [['serve', '--database-url', 'postgres://h/db', '--redis-url', 'redis://h', '--no-worker', '--concurrency', '4'], {}, 'confab serve: --concurrency has no effect with --no-worker.\n'],
      [['migrate'], {}, 'confab migrate: give the database as --database-url postgres://… (or CONFAB_DATABASE_URL).\n'],
    ];
    const results = await Promise.all(cases.map(([args, env]) => runConfab(args, { env: { CONFAB_DATABASE_URL: '', CONFAB_REDIS_URL: '', ...env }, timeoutMs: 120_000 })));
    for (const [index, result] of results.entries()) {
      assert.deepEqual({ code: result.code, stderr: result.stderr, stdout: result.stdout }, { code: 2, stderr: cases[index]![2], stdout: '' }, cases[index]![0].join(' '));
    }
  });

  it('lists worker and migrate in the usage, and each answers --help', async () => {
    const [usage, worker, migrate] = await Promise.all([runConfab(['--help']), runConfab(['worker', '--help']), runConfab(['migrate', '--help'])]);
    assert.match(usage.stdout, /\n {2}worker +Execute runs: for a cluster .*machine worker \(--server\)/);
    assert.match(usage.stdout, /\n {2}migrate +Apply Confab's schema/);
    assert.match(worker.stdout, /^Usage: confab worker --database-url URL --redis-url URL \[options\]/);
    assert.match(migrate.stdout, /^Usage: confab migrate --database-url URL/);
    assert.deepEqual([worker.code, migrate.code], [0, 0]);
  });
});

const skip = await postgresUnavailable();
describe('confab migrate', { skip }, () => {
  let database: TestDatabase | undefined;
  after(() => database?.drop());

  it("applies Confab's schema and the run queue to an empty database, and again changes nothing", async () => {
    database = await createTestDatabase('confab_migrate');
    const first = await runConfab(['migrate', '--database-url', database.url]);
    assert.equal(first.stderr, '');
    assert.equal(first.code, 0);
    assert.match(first.stdout, new RegExp(`is at schema version ${latestPostgresSchemaVersion}, with the run queue\\.\\n$`));
    const again = await runConfab(['migrate'], { env: { CONFAB_DATABASE_URL: database.url } });
    assert.equal(again.code, 0);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const versions = await client.query('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(versions.rows.map((row) => row.version), Array.from({ length: latestPostgresSchemaVersion }, (_, index) => index + 1));
      const queue = await client.query("SELECT policy FROM pgboss.queue WHERE name = 'confab-runs'");
      assert.deepEqual(queue.rows, [{ policy: 'key_strict_fifo' }]);
    } finally {
      await client.end();
    }
  });
});
