/**
 * The run queue seam: decides when and where each run executes. Every method that may cross a
 * process is async. Contract (tested by `run-queue-contract.ts` over every implementation):
 * - Runs of one conversation execute one at a time, in queue order (`front: true` jumps the queue,
 *   used by the `interrupt` busy policy).
 * - At most `concurrency` runs execute at once on one worker; the rest wait.
 * - `push` resolves once the job is accepted (durable where the queue is); `remove` takes a run
 *   out before it starts and resolves false if it started or is unknown.
 * - The worker is called with the job and its claim: `attempt` (1 for the first dispatch, higher
 *   when a queue re-dispatches a run whose worker died) and a `signal` that aborts when the claim
 *   is lost. The worker's promise settling acknowledges the job and frees its slot, whether it
 *   resolved or threw: a failed run never blocks its conversation's queue.
 * - `close` stops dispatching new jobs and resolves when the executing ones have settled.
 * In-process today (`memory-run-queue.ts`); a distributed queue (pg-boss) that dispatches runs to
 * worker processes implements the same interface.
 */
export interface RunQueue {
  setWorker(worker: RunWorker): void;
  push(job: RunJob, options?: { front?: boolean }): Promise<void>;
  remove(runId: string): Promise<boolean>;
  /** Jobs waiting (not executing) for a conversation, in order. */
  waiting(conversationId: string): Promise<RunJob[]>;
  close(): Promise<void>;
}

export type RunJob = { conversationId: string; runId: string };
export type RunClaim = { attempt: number; signal: AbortSignal };
export type RunWorker = (job: RunJob, claim: RunClaim) => Promise<void>;
