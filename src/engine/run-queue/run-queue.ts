/**
 * The run queue seam: decides when each run executes. Contract:
 * - Runs of one conversation execute one at a time, in queue order (`front: true` jumps the queue,
 *   used by the `interrupt` busy policy).
 * - At most `concurrency` runs execute at once across all conversations; the rest wait.
 * - `remove` takes a run out before it starts (returns false if it started or is unknown).
 * - The worker's promise settling frees the slot; a throwing worker does not wedge the queue.
 * In-process today (`memory-run-queue.ts`); a distributed queue (Redis or Postgres) that dispatches
 * runs to worker processes implements the same interface.
 */
export interface RunQueue {
  setWorker(worker: RunWorker): void;
  push(job: RunJob, options?: { front?: boolean }): void;
  remove(runId: string): boolean;
  /** Jobs waiting (not executing) for a conversation, in order. */
  waiting(conversationId: string): RunJob[];
  readonly executing: number;
}

export type RunJob = { conversationId: string; runId: string };
export type RunWorker = (job: RunJob) => Promise<void>;
