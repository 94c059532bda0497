import type { Pool, PoolClient } from 'pg';
import type { JournalEntry } from '../journal.ts';

/** How long to wait for the old connection's server process to end before ending it, and for an answer at all. */
const backendGraceMs = 5_000;
const answerWithinMs = 15_000;
const pollMs = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The connection broke while its COMMIT was on the way: did the transaction commit? Ends the
 * doubt before answering, so the answer cannot change afterwards: waits until the server process
 * of the broken connection is gone (its transaction then committed or rolled back for good),
 * ending it after a grace period (a half-open connection can keep it waiting for hours), then
 * looks for `first`, the first row the transaction wrote. Resolves true when it committed, false
 * when not; rethrows `error` when Postgres does not answer within a bound (the outcome is then
 * unknown, and the caller must treat the write as failed: a later write of the same seqs is
 * refused, and the conversation's log recovers when it is opened again).
 */
export async function confirmCommit(pool: Pick<Pool, 'query'>, client: PoolClient, first: JournalEntry, error: unknown): Promise<boolean> {
  const pid = (client as unknown as { processID?: number | null }).processID;
  const started = Date.now();
  let ended = false;
  while (Date.now() - started < answerWithinMs) {
    try {
      if (pid) {
        const { rows } = await pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
        if (rows.length > 0) {
          if (Date.now() - started > backendGraceMs && !ended) ended = (await pool.query('SELECT pg_terminate_backend($1)', [pid])).rows.length > 0;
          await sleep(pollMs);
          continue;
        }
      }
      const found = await pool.query('SELECT 1 FROM journal WHERE conversation_id = $1 AND seq = $2 AND body = $3', [first.conversationId, first.seq, first.body]);
      return found.rows.length > 0;
    } catch {
      await sleep(pollMs);
    }
  }
  throw error;
}
