import type { Pool, PoolClient } from 'pg';

export type Queryable = Pick<PoolClient, 'query'>;

const ignore = () => {};

/**
 * Runs `work` in one transaction on a client of `pool` and commits. `begin` is the statement that
 * opens it (settings for this transaction can follow BEGIN in it). On failure it rolls back and
 * rethrows; a client that cannot even roll back is dropped from the pool rather than returned.
 *
 * `commitLost`: asked when the connection broke while COMMIT was on its way (the transaction may
 * have committed); true means it did, and the call resolves. Without it, that failure rethrows.
 *
 * A client checked out of a pg pool reports a lost connection as an `error` event besides failing
 * its query; with no listener that event would end the process, so one is held while it is out.
 */
export async function inTransaction<T>(
  pool: Pick<Pool, 'connect'>,
  work: (client: Queryable) => Promise<T>,
  options: { begin?: string; commitLost?: (client: PoolClient, error: unknown) => Promise<boolean> } = {},
): Promise<T> {
  const client = await pool.connect();
  client.on('error', ignore);
  let broken = false;
  let committing = false;
  let result: T | undefined;
  try {
    await client.query(options.begin ?? 'BEGIN');
    result = await work(client);
    committing = true;
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    if (committing && broken && options.commitLost && (await options.commitLost(client, error))) return result as T;
    throw error;
  } finally {
    client.off('error', ignore);
    client.release(broken);
  }
}
