import type { RunFence } from './run-claims.ts';
import type { StoreBatch } from './store.ts';

/**
 * Checkpoints when several nodes hold the same conversation (scale-out). Every node folds the same
 * shared log, so the state at seq S is the same on every node; what differs is how far each node has
 * folded. A checkpoint is "the records touched since my last checkpoint, as of seq S"; the store
 * keeps, per conversation, the highest S written, and applies a checkpoint only forward:
 *
 * - `checkpoint`: for each conversation in `checkpoint.lastSeq`, its records (conversation, messages,
 *   runs, approvals of that conversation) are written, and its stored seq set, only when the stored
 *   seq is below the checkpoint's; otherwise the checkpoint of that conversation is dropped whole
 *   (a node that folded further already wrote everything it holds). Records of conversations
 *   without a `lastSeq` entry are written as given. A run stored as ended is never written back to
 *   a status that has not ended, and a settled approval never back to pending: a record written
 *   ahead of its events (below) is not undone by a node that has not folded those events yet.
 * - `ahead`: records a run writes *before* emitting the events that announce them (its end, its
 *   approval requests). Written as given; its `lastSeq` entries only ever raise the stored seq.
 *
 * Both in one transaction, taken from the batches when called (as `Store.commit`). Implemented by the Postgres store; tested in
 * `postgres/postgres-checkpoints.test.ts`.
 */
export interface CheckpointStore {
  /** With `fence` (a worker writing its run's end or approvals), refused whole with `stale_fence` unless it is the run's current claim (run-claims.ts). */
  commitCheckpoint(checkpoint: StoreBatch, ahead?: StoreBatch, fence?: RunFence): Promise<{ dropped: string[] }>;
}

/** The store's forward-only checkpoint; a store without one cannot be shared by several nodes. */
export function checkpointStoreOf(store: object): CheckpointStore {
  if (typeof (store as Partial<CheckpointStore>).commitCheckpoint !== 'function') throw new Error('a cluster needs a store with forward-only checkpoints (Postgres)');
  return store as CheckpointStore;
}
