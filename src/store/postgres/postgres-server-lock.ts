import { Client } from 'pg';
import { ConfabError } from '../../domain/errors.ts';
import type { Logger } from '../../util/logger.ts';

/** The advisory lock key, per database. */
const lockKey = "hashtext('confab.servers')";
const retakeMs = 5_000;

export type ServerLock = { release(): Promise<void> };

/**
 * Makes a database one single-node server's, or a cluster's. A single `confab serve
 * --database-url` (no Redis) runs start-up recovery over every run it finds, as the embedded
 * server does, so it must be the only process on its database: it holds Postgres's session
 * advisory lock exclusively. Cluster nodes hold it shared: they run together, and the two modes
 * refuse each other. Held on a connection of its own for the life of the process; it goes with the
 * connection, so a killed process leaves no stale lock.
 *
 * A lock lost with its connection (Postgres restarted) is taken again as soon as it can be; until
 * then another server could start on the database, which is logged as an error.
 */
export async function lockDatabase(url: string, mode: 'exclusive' | 'shared', logger: Logger): Promise<ServerLock> {
  let released = false;
  let client = await take(url, mode);
  let retaking: NodeJS.Timeout | undefined;
  const watch = (current: Client) => {
    current.on('error', () => {});
    current.once('end', () => {
      if (released) return;
      logger.error('lost the Postgres lock that keeps other servers off this database; taking it again', { mode });
      const retake = () => {
        retaking = undefined;
        take(url, mode).then(
          (next) => (released ? void next.end().catch(() => {}) : watch((client = next))),
          (error: unknown) => {
            if (released) return;
            logger.error('could not take the Postgres server lock again; retrying', { error });
            // The server's own handles keep it running; the retries alone never keep a process alive.
            retaking = setTimeout(retake, retakeMs).unref();
          },
        );
      };
      retake();
    });
  };
  watch(client);
  return {
    async release() {
      released = true;
      clearTimeout(retaking);
      await client.end().catch(() => {});
    },
  };
}

async function take(url: string, mode: 'exclusive' | 'shared'): Promise<Client> {
  const client = new Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    const sql = mode === 'exclusive' ? `SELECT pg_try_advisory_lock(${lockKey}) AS taken` : `SELECT pg_try_advisory_lock_shared(${lockKey}) AS taken`;
    const { rows } = await client.query(sql);
    if (rows[0]?.taken !== true) {
      throw new ConfabError(
        'bad_request',
        mode === 'exclusive'
          ? 'The database is in use by another Confab server (a single confab serve, or a cluster): stop it, or give this one another database.'
          : 'The database is in use by a single confab serve without Redis: a cluster node cannot share it; stop that server first.',
      );
    }
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
}
