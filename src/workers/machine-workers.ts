import type { Store } from '../store/store.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { RemoteRuns, type RemoteRunsOptions } from './remote-runs.ts';
import { defaultWorkerConnectionLimits, WorkerGateway } from './worker-gateway.ts';
import { WorkerDirectory } from './worker-directory.ts';
import type { WorkerTokenStore } from './worker-tokens.ts';

/** Timings a server operator may set (`confab serve --worker-…`). */
export type MachineWorkerTimings = Pick<RemoteRunsOptions, 'waitTimeoutMs' | 'reconnectGraceMs' | 'runTimeLimitMs'> & { heartbeatMs?: number };

/**
 * Everything the server runs for machine workers: the directory (tokens and connected workers),
 * the remote execution the hub hands worker projects' runs to, and the WebSocket gateway.
 * `remote` goes to the `SessionHub`, `directory` to the routes, `gateway` to the HTTP server.
 */
export type MachineWorkers = { directory: WorkerDirectory; remote: RemoteRuns; gateway: WorkerGateway };

export async function openMachineWorkers(options: {
  tokens: WorkerTokenStore;
  store: Pick<Store, 'getProject' | 'createProject'>;
  clock: Clock;
  logger: Logger;
  timings?: MachineWorkerTimings;
  approvals?: { tools?: string[]; expiryMs?: number };
}): Promise<MachineWorkers> {
  const directory = await WorkerDirectory.open({ tokens: options.tokens, projects: options.store, clock: options.clock });
  const remote = new RemoteRuns({ directory, clock: options.clock, ...options.timings, approvalTools: options.approvals?.tools, approvalExpiryMs: options.approvals?.expiryMs });
  const heartbeatMs = options.timings?.heartbeatMs ?? defaultWorkerConnectionLimits.heartbeatMs;
  const gateway = new WorkerGateway({ directory, runs: remote, logger: options.logger, limits: { heartbeatMs } });
  return { directory, remote, gateway };
}
