import { isAllowing, ruleOf, type Approval, type ApproveInput } from '../../domain/approval-schemas.ts';
import { ConfabError } from '../../domain/errors.ts';
import type { Store } from '../../store/store.ts';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/logger.ts';
import type { Checkpointer } from '../checkpointer.ts';
import type { ConversationCache } from '../conversation-cache.ts';
import type { LiveConversation } from '../live-conversation.ts';
import type { RunQueue } from '../run-queue/run-queue.ts';
import type { ExpiryTimers } from './approval-timers.ts';
import { recordApprovals } from './record-approvals.ts';

/**
 * Where approvals are settled: answered by a person (`approve`), expired by their timer, or
 * cancelled by a stop. Each settlement is stored and announced (`approval-resolved`) before it is
 * acknowledged, in the order recordApprovals gives (the journal first, else the store), and
 * a parked run whose last pending approval is settled goes back on the run queue, at the front of
 * its conversation, to resume. Settlements of one conversation happen one at a time.
 */
export class ApprovalDesk {
  readonly #store: Store;
  readonly #cache: ConversationCache;
  readonly #checkpointer: Checkpointer;
  readonly #runQueue: RunQueue;
  readonly #timers: ExpiryTimers;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** The settlement in progress per conversation; an entry goes when its chain is idle. */
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(options: { store: Store; cache: ConversationCache; checkpointer: Checkpointer; runQueue: RunQueue; timers: ExpiryTimers; clock: Clock; logger: Logger }) {
    this.#store = options.store;
    this.#cache = options.cache;
    this.#checkpointer = options.checkpointer;
    this.#runQueue = options.runQueue;
    this.#timers = options.timers;
    this.#clock = options.clock;
    this.#logger = options.logger;
  }

  /**
   * A person's answer. An "always" answer is remembered on the conversation and settles the other
   * pending requests for the same tool too. Resolves with the settled approval once it is stored.
   */
  approve(conversationId: string, approvalId: string, input: ApproveInput): Promise<{ approval: Approval }> {
    return this.#serialized(conversationId, async (live) => {
      const pending = live.state.approvals?.find((candidate) => candidate.id === approvalId);
      if (!pending) throw await this.#notPending(conversationId, approvalId);
      if (!pending.options.includes(input.decision)) {
        throw new ConfabError('bad_request', `This approval cannot be answered "${input.decision}"; its options are ${pending.options.join(', ')}.`);
      }
      const now = this.#clock.now();
      const status = isAllowing(input.decision) ? 'allowed' : 'denied';
      const answered: Approval = { ...pending, status, decision: input.decision, resolvedBy: 'user', note: input.note ?? null, decidedAt: now };
      const settled = [answered];
      const rule = ruleOf(input.decision);
      if (rule) {
        const conversation = live.state.conversation;
        live.emit({ type: 'conversation-updated', runId: null, data: { conversation: { ...conversation, toolRules: { ...conversation.toolRules, [pending.toolName]: rule }, updatedAt: now } } });
        for (const other of live.state.approvals ?? []) {
          if (other.id !== pending.id && other.toolName === pending.toolName) settled.push({ ...other, status, decision: input.decision, resolvedBy: 'remembered', decidedAt: now });
        }
      }
      await this.#settle(live, settled);
      return { approval: answered };
    });
  }

  /** The timer's call: settles the approval as expired if it is still pending and due. */
  expire(conversationId: string, approvalId: string): Promise<void> {
    return this.#serialized(conversationId, async (live) => {
      const pending = live.state.approvals?.find((candidate) => candidate.id === approvalId);
      if (!pending) return;
      if (this.#clock.now() < pending.expiresAt) return this.#timers.arm(pending);
      await this.#settle(live, [{ ...pending, status: 'expired', resolvedBy: 'expiry', decidedAt: this.#clock.now() }]);
    });
  }

  /** Cancels what a parked run waits for (it is being stopped); the run is queued to end itself. */
  cancelRun(conversationId: string, runId: string): Promise<void> {
    return this.#serialized(conversationId, async (live) => {
      const now = this.#clock.now();
      const pending = (live.state.approvals ?? []).filter((approval) => approval.runId === runId);
      await this.#settle(live, pending.map((approval): Approval => ({ ...approval, status: 'cancelled', resolvedBy: 'stop', decidedAt: now })), [runId]);
    });
  }

  /** Store and announce, disarm; then re-queue each affected run that no longer waits for anything. */
  async #settle(live: LiveConversation, settled: Approval[], runIds: string[] = []): Promise<void> {
    await live.flush();
    // Everything emitted so far (a remembered rule, say) goes in the same transaction.
    await recordApprovals(live, this.#checkpointer, { approvals: settled }, settled.map((approval) => ({ type: 'approval-resolved', runId: approval.runId, data: { approval } })));
    for (const approval of settled) this.#timers.cancel(approval.id);
    await live.flush();
    const affected = new Set([...runIds, ...settled.map((approval) => approval.runId)]);
    for (const runId of affected) {
      const run = live.findRun(runId);
      const waiting = live.state.approvals?.some((approval) => approval.runId === runId);
      if (run?.status === 'requires-action' && !waiting) await this.#runQueue.push({ conversationId: live.id, runId }, { front: true });
    }
  }

  async #notPending(conversationId: string, approvalId: string): Promise<ConfabError> {
    const stored = await this.#store.getApproval(approvalId);
    if (!stored || stored.conversationId !== conversationId) return new ConfabError('not_found', `No approval ${approvalId} in conversation ${conversationId}.`);
    return new ConfabError('approval_closed', `Approval ${approvalId} was already settled: ${describeSettlement(stored)}.`);
  }

  /** Runs `work` on the loaded conversation after every earlier settlement of it has finished. */
  #serialized<T>(conversationId: string, work: (live: LiveConversation) => Promise<T>): Promise<T> {
    const previous = this.#chains.get(conversationId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const live = await this.#cache.use(conversationId);
      try {
        await live.flush();
        return await work(live);
      } finally {
        this.#cache.release(live);
      }
    });
    const chained = next.catch(() => {});
    this.#chains.set(conversationId, chained);
    void chained.then(() => {
      if (this.#chains.get(conversationId) === chained) this.#chains.delete(conversationId);
    });
    return next;
  }

  /** For the expiry timer, whose failures have nobody to report to. */
  expireQuietly(approval: Approval): void {
    this.expire(approval.conversationId, approval.id).catch((error: unknown) => {
      if (!ConfabError.is(error, 'not_found')) this.#logger.error('could not expire an approval', { approvalId: approval.id, error });
    });
  }
}

/** "allowed by the user (allow-once)", "expired", "cancelled (its run was stopped)". */
export function describeSettlement(approval: Approval): string {
  switch (approval.status) {
    case 'allowed':
    case 'denied':
      return `${approval.status} ${approval.resolvedBy === 'remembered' ? 'by a remembered answer' : 'by the user'} (${approval.decision})`;
    case 'expired':
      return 'it expired unanswered';
    case 'cancelled':
      return 'cancelled (its run was stopped)';
    case 'pending':
      return 'pending';
  }
}
