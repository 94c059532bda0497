import type { ContextInput, ContextPart, ConversationState, Project, Run } from '../../domain/schemas.ts';
import type { Fence } from '../event-log/event-log.ts';
import type { Subscription } from '../subscription.ts';
import type { RunDependencies, RunWriter } from './run-context.ts';

/**
 * The seam for runs that execute outside this process, on a machine worker where the project's
 * files live (`src/workers/`). The executor still claims the run, watches run control and holds
 * the queue slot; a remote execution decides where the run loop actually runs and relays its
 * events, which are appended here under the fence of whoever executes it.
 */
export interface RemoteExecution {
  /** Whether runs of this project execute remotely (else in this process, as always). */
  serves(project: Project): boolean;
  /**
   * Executes the claimed run somewhere else and resolves once it has ended (or parked) and its
   * end is appended. `signal` aborts with the executor's reason (stop, delete, shutdown, fenced);
   * the run must then end promptly, wherever it executes.
   */
  execute(run: RemoteRun): Promise<void>;
  /**
   * Reads the files a client attached to a message from the project's directory where its runs
   * execute (a worker's), with the confinement and limits of `resolveContext`.
   */
  readContext(project: Project, inputs: ContextInput[], options: { maxBytes: number; newId: () => string }): Promise<ContextPart[]>;
}

export type RemoteRun = {
  queued: Run;
  /** The claim the executor holds. A remote execution may claim later attempts of the same run. */
  fence: Fence;
  signal: AbortSignal;
  deps: RunDependencies;
  conversation: RemoteConversation;
  /** Queues a run of this server (a `continue` after a worker was lost mid-run); absent where nothing may be queued. */
  queueRun?: (run: Run) => Promise<void>;
};

/** What a remote execution may do with the run's conversation on this server. */
export interface RemoteConversation {
  readonly id: string;
  readonly projectName: string;
  readonly state: ConversationState;
  /** The cursor `state` is current as of. */
  readonly cursor: string;
  /** Makes `fence` the attempt that may write the run (a later attempt fences out earlier ones). */
  claim(fence: Fence): Promise<void>;
  /** A writer whose events carry `fence`. */
  writer(fence: Fence): RunWriter;
  subscribe(after: string | undefined, bufferLimit: number): Promise<Subscription>;
}
