import type { Store } from '../../store/store.ts';
import type { Clock } from '../../util/clock.ts';
import type { RunQueue } from '../run-queue/run-queue.ts';
import type { ApprovalDesk } from './approval-desk.ts';
import type { ExpiryTimers } from './approval-timers.ts';

/**
 * Start-up: approvals a previous process left pending get their expiry timers back (those already
 * past it expire now), and a parked run that no longer waits for anything (answered just before
 * the restart) is queued to resume. A coding agent's pending request is cancelled: the agent that
 * asked died with the previous process. Returns what it did, for the log.
 */
export async function recoverApprovals(options: { store: Store; desk: ApprovalDesk; timers: ExpiryTimers; runQueue: RunQueue; clock: Clock }): Promise<{ armed: number; expired: number; resumed: number }> {
  const { store, desk, timers, runQueue, clock } = options;
  const expiredRuns = new Set<string>();
  let armed = 0;
  let expired = 0;
  for (const approval of await store.listApprovalsByStatus(['pending'])) {
    if (approval.source === 'agent') {
      // The agent process that asked is gone with the previous server (its run was interrupted):
      // nobody could act on an answer, so the request is cancelled.
      await desk.cancelRun(approval.conversationId, approval.runId);
      continue;
    }
    if (approval.expiresAt > clock.now()) {
      timers.arm(approval);
      armed++;
      continue;
    }
    expired++;
    // Queues its run itself once nothing else of the run is pending.
    await desk.expire(approval.conversationId, approval.id);
    expiredRuns.add(approval.runId);
  }
  const waiting = new Set((await store.listApprovalsByStatus(['pending'])).map((approval) => approval.runId));
  let resumed = 0;
  for (const run of await store.listRunsByStatus(['requires-action'])) {
    if (waiting.has(run.id) || expiredRuns.has(run.id)) continue;
    await runQueue.push({ conversationId: run.conversationId, runId: run.id }, { front: true });
    resumed++;
  }
  return { armed, expired, resumed };
}

/**
 * A cluster node's start: every pending approval's expiry is armed (in a cluster the expiry is a
 * shared job, armed once whoever arms it: src/cluster/approval-expiry-queue.ts), so an approval
 * whose node died before arming it, or before it came due, still expires. Nothing else is
 * recovered: other nodes are live.
 */
export async function armPendingApprovals(store: Store, timers: ExpiryTimers): Promise<number> {
  const pending = (await store.listApprovalsByStatus(['pending'])).filter((approval) => approval.source !== 'agent');
  for (const approval of pending) timers.arm(approval);
  return pending.length;
}
