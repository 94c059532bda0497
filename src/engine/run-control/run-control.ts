/**
 * The run control seam: how a stop reaches the worker executing a run, from any node. Contract
 * (tested by `run-control-contract.ts` over every implementation):
 * - `requestStop(runId, reason)` resolves once the request is recorded (durably, where the
 *   implementation crosses processes): a stop is never lost, even when it arrives between the
 *   claim of a run and the start of its execution.
 * - `watch(runId, onStop)` is called by the worker executing the run. A stop requested before
 *   the watch starts is delivered at once; one requested while it runs is delivered as it arrives.
 *   `onStop` is called at most once per watch.
 * - `settle(runId)` forgets the run's requests once it has ended; a later watch of the same run
 *   (a re-dispatch) starts clean.
 * In-process (`memory-run-control.ts`); across nodes, `redis-run-control.ts`: the request as a
 * Redis key with a TTL, plus a publish on the run's shard channel for the prompt signal.
 */
export interface RunControl {
  requestStop(runId: string, reason: StopReason): Promise<void>;
  watch(runId: string, onStop: (reason: StopReason) => void): Promise<RunWatch>;
  settle(runId: string): Promise<void>;
}

export interface RunWatch {
  close(): void;
}

/** Why a run is asked to stop: the user, the conversation's deletion, or the server going down. */
export type StopReason = { kind: 'stop' } | { kind: 'delete' } | { kind: 'shutdown' };
