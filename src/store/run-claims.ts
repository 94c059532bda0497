import type { StoreBatch } from './store.ts';

/**
 * What a store adds for runs executed by workers in several processes (scale-out). Implemented by
 * the Postgres store; tested in `postgres/postgres-run-claims.test.ts`.
 *
 * - A run's claim is an integer `attempt`, 0 until a worker claims it. `claimRun` raises it by one
 *   and returns the new value; with `expectedAttempt` only while the current value is still that one
 *   (compare-and-set), so of two workers racing for a run exactly one wins.
 * - `commit(batch, fence)` with a fence `{ runId, attempt }` applies the batch only while `attempt`
 *   is the run's current claim; otherwise it writes nothing and rejects with
 *   `ConfabError('stale_fence')`. A worker presumed dead and replaced cannot overwrite its successor.
 *   The check and the writes are one transaction: a claim either lands before (refused) or after it.
 * - `requestStop` records, durably and once, that a stop was asked for; the first time is kept.
 *   Whoever holds or later claims the run sees it in `claimRun`'s answer or `getRunClaim`.
 * - Upserting a run record (`commit`) never changes its claim or stop flag: no record carries them.
 * - Deleting the run (with its conversation) deletes both.
 */
export interface RunClaimStore {
  claimRun(runId: string, options?: { expectedAttempt?: number }): Promise<RunClaimState | undefined>;
  /**
   * Sets the claim to `attempt` (a dispatch's number, as the queue gives it) unless a later attempt
   * holds it already (`stale`). The same attempt may claim again (a parked run resumed). The
   * worker's log fence follows the same rule. `missing`: no such run (not stored yet, or deleted).
   */
  claimRunAttempt(runId: string, attempt: number): Promise<'claimed' | 'stale' | 'missing'>;
  getRunClaim(runId: string): Promise<RunClaimState | undefined>;
  /** Returns the recorded stop time (the first request's), or undefined when there is no such run. */
  requestStop(runId: string): Promise<number | undefined>;
  commit(batch: StoreBatch, fence?: RunFence): Promise<void>;
}

/** A run's claim: the attempt that may write it, and when a stop was requested (null: never). */
export type RunClaimState = { attempt: number; stopRequestedAt: number | null };

/** The same shape as the engine's log fence: a worker writes run `runId` as claim `attempt`. */
export type RunFence = { runId: string; attempt: number };
