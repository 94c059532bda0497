import type { PgBoss } from 'pg-boss';
import type { Approval } from '../domain/approval-schemas.ts';
import type { ExpiryTimers } from '../engine/approvals/approval-timers.ts';
import type { Logger } from '../util/logger.ts';

type ExpiryJob = { conversationId: string; approvalId: string };

/**
 * Approvals' expiry in a cluster: one pg-boss job per pending approval, due at its `expiresAt`,
 * worked by every node (API nodes too). The node that asked for the approval may die before it
 * expires; the job is in Postgres, so whichever node is alive takes it when it is due, and only that
 * one expires the approval (a timer on every node would expire it, and resume its run, once per node).
 *
 * - The queue's policy is `short`: at most one waiting job per approval (its id is the singleton
 *   key), so every node arming every pending approval at start-up (SessionHub.start) adds nothing.
 * - `cancel` does nothing: an answered approval's job still comes due, and `expire` finds it settled.
 *   Jobs are bounded by the approvals asked for, and each goes when it is due.
 * - A node that dies while expiring: pg-boss dispatches the job again (`retryLimit`).
 */
export class ApprovalExpiryQueue implements ExpiryTimers {
  readonly #boss: PgBoss;
  readonly #logger: Logger;
  static readonly queueName = 'confab-approval-expiry';

  static async create(options: { boss: PgBoss; logger: Logger; expire: (job: ExpiryJob) => Promise<void>; pollingSeconds?: number }): Promise<ApprovalExpiryQueue> {
    const { boss } = options;
    const settings = { heartbeatSeconds: 10, expireInSeconds: 300, retryLimit: 5, retryDelay: 1 };
    await boss.createQueue(ApprovalExpiryQueue.queueName, { policy: 'short', ...settings });
    await boss.updateQueue(ApprovalExpiryQueue.queueName, settings);
    const polling = options.pollingSeconds ?? 1;
    const work = { batchSize: 1, pollingIntervalSeconds: polling, notifyPollingIntervalSeconds: polling };
    await boss.work<ExpiryJob>(ApprovalExpiryQueue.queueName, work, async ([job]) => options.expire(job!.data));
    return new ApprovalExpiryQueue(boss, options.logger);
  }

  private constructor(boss: PgBoss, logger: Logger) {
    this.#boss = boss;
    this.#logger = logger;
  }

  /** Fire and forget, as a timer is armed: a failure is logged, and the next node start arms it again. */
  arm(approval: Approval): void {
    const job: ExpiryJob = { conversationId: approval.conversationId, approvalId: approval.id };
    this.#boss
      .send(ApprovalExpiryQueue.queueName, job, { startAfter: new Date(approval.expiresAt), singletonKey: approval.id })
      .catch((error: unknown) => this.#logger.error('could not schedule an approval expiry', { approvalId: approval.id, error }));
  }

  cancel(): void {}

  /** The jobs stay: other nodes expire them. */
  clear(): void {}

  async close(): Promise<void> {
    await this.#boss.offWork(ApprovalExpiryQueue.queueName, { wait: true });
  }
}
