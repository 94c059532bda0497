import type { ProviderConfig } from '../providers/provider-config.ts';
import type { RetryOptions } from '../engine/run/retry-policy.ts';
import type { ServerFrame, WorkerFrame } from '../workers/worker-protocol.ts';

/**
 * What crosses between the server's main thread and a run thread (`confab serve --workers N`).
 * The frames are the machine worker protocol's (src/workers/worker-protocol.ts): a run on a thread
 * is, to the hub, a run on a worker. Each side sends at most one message per event-loop turn, with
 * every frame of that turn in it.
 */

/** What a run thread is started with (`workerData`): the same providers and retries as the server. */
export type RunThreadData = {
  config: ProviderConfig;
  retry: RetryOptions;
  clientVersion: string;
};

/** The `run` frame as a thread gets it: with the project's directory on this machine ('' for none). */
export type ThreadRunFrame = Extract<ServerFrame, { type: 'run' }> & { projectRoot: string };

/**
 * Main → thread. `events` is a JSON array of `{ runId, attempt, events }`: the conversations'
 * events are already encoded once for the clients, and a string crosses the boundary as one copy.
 */
export type ToThread = { frames: (ServerFrame | ThreadRunFrame)[]; events?: string };

/** Thread → main: the run loops' batches, and log lines for the server's logger; `ready` once, when its modules are loaded. */
export type FromThread = { frames: WorkerFrame[]; logs?: ThreadLogLine[]; ready?: true };

export type ThreadLogLine = { level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };
