import { setTimeout as sleep } from 'node:timers/promises';
import type { RunClaimStore } from '../../store/run-claims.ts';
import type { Logger } from '../../util/logger.ts';
import type { Fence } from '../event-log/event-log.ts';
import type { RunPersistence } from './run-context.ts';

/** The queue may hand out a run before the node that queued it has stored it (it stores, then acknowledges). */
const missingRetries = 40;
const missingRetryMs = 50;

/**
 * A worker's claim on its run in the store (scale-out), beside its claim on the log. The log's fence
 * refuses a replaced worker's events; this one refuses the records it writes ahead of its events (its
 * end, its approval requests), which a worker frozen between its last append and that write could
 * otherwise store after the worker that took the run over had ended it. The claim is the queue's
 * attempt, as on the log, and each `commitNow` of the run is fenced by it in the same transaction.
 *
 * Returns the run's persistence, fenced; `persistence` as it is when the store has no run claims
 * (one process), or, with a warning, when the run is still not stored after about 2 s (the node that
 * queued it died before storing it: the run exists only on the log); undefined when a later attempt
 * holds the run already (this worker was replaced).
 */
export async function claimedPersistence(store: object, persistence: RunPersistence, fence: Fence, logger: Logger): Promise<RunPersistence | undefined> {
  const claims = store as Partial<Pick<RunClaimStore, 'claimRunAttempt'>>;
  if (typeof claims.claimRunAttempt !== 'function') return persistence;
  for (let tries = 0; ; tries++) {
    const outcome = await claims.claimRunAttempt(fence.runId, fence.attempt);
    if (outcome === 'stale') return undefined;
    if (outcome === 'claimed') break;
    if (tries === missingRetries) {
      logger.warn('the run is not in the store; its end is not fenced there', { attempt: fence.attempt });
      return persistence;
    }
    await sleep(missingRetryMs);
  }
  return {
    flush: () => persistence.flush(),
    commitNow: (batch) => persistence.commitNow(batch, fence),
  };
}
