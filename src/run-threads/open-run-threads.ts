import { availableParallelism } from 'node:os';
import { ConfabError } from '../domain/errors.ts';
import type { ApprovalOptions } from '../engine/approvals/approval-gate.ts';
import type { RemoteExecution } from '../engine/run/remote-execution.ts';
import { defaultRetryOptions } from '../engine/run/retry-policy.ts';
import { MemoryRunQueue } from '../engine/run-queue/memory-run-queue.ts';
import type { ProviderConfig } from '../providers/provider-config.ts';
import type { Store } from '../store/store.ts';
import { systemClock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { RunThreads } from './run-threads.ts';

/** Most run threads one server starts (`--workers`). */
export const maxRunThreads = 64;

/**
 * `--workers auto`: one thread per core but the one the main thread uses, at least one. Not the
 * default: on the 2-core bench machine run threads sustained no more streams than the main thread
 * and added 100–150 MB of RSS at 100 streams (docs/benchmarks.md, "Run threads"), so runs stay on
 * the main thread unless asked for.
 */
export function autoRunThreads(cores = availableParallelism()): number {
  return Math.max(1, cores - 1);
}

/**
 * How many run threads `confab serve` starts: `--workers N|auto` when given, else
 * `CONFAB_RUN_WORKERS`, else 0: every run on the main thread.
 */
export function runThreadsSetting(flag: string | undefined, env: Record<string, string | undefined>): number {
  const source = flag !== undefined ? '--workers' : 'CONFAB_RUN_WORKERS';
  const value = flag ?? env.CONFAB_RUN_WORKERS?.trim();
  // An empty variable is unset; an empty flag is a mistake.
  if (value === undefined || (flag === undefined && value === '')) return 0;
  if (value === 'auto') return autoRunThreads();
  if (!/^\d+$/.test(value) || Number(value) > maxRunThreads) throw new ConfabError('bad_request', `${source} must be "auto" or a whole number from 0 to ${maxRunThreads}, got "${value}".`);
  return Number(value);
}

/**
 * The run threads of an embedded server and the run queue they share with its hub (pass both to
 * the `SessionHub`: `remote: threads`, `runQueue`): a run taken over after its thread crashed is
 * continued through that queue. `machine` (machine workers) keeps the projects it serves.
 */
export function openRunThreads(options: {
  count: number;
  config: ProviderConfig;
  store: Pick<Store, 'getProject'>;
  logger: Logger;
  maxConcurrentRuns: number;
  clientVersion: string;
  approvals?: ApprovalOptions;
  machine?: RemoteExecution;
}): { threads: RunThreads; runQueue: MemoryRunQueue } {
  const runQueue = new MemoryRunQueue({ concurrency: options.maxConcurrentRuns });
  const threads = new RunThreads({
    count: options.count,
    data: { config: options.config, retry: defaultRetryOptions, clientVersion: options.clientVersion },
    store: options.store,
    clock: systemClock,
    logger: options.logger,
    queueContinue: (run) => runQueue.push({ conversationId: run.conversationId, runId: run.id }),
    approvalTools: options.approvals?.tools,
    approvalExpiryMs: options.approvals?.expiryMs,
    machine: options.machine,
  });
  return { threads, runQueue };
}
