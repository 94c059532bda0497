import type { Approval } from '../../domain/approval-schemas.ts';
import type { Clock, TimerHandle } from '../../util/clock.ts';

/** The longest delay a Node timer takes (about 24.8 days); a later expiry is re-armed on the way. */
const maxDelayMs = 2 ** 31 - 1;

/** Arms approvals' expiry: timers in this process, or, in a cluster, jobs any node takes (src/cluster/approval-expiry-queue.ts). */
export type ExpiryTimers = {
  arm(approval: Approval): void;
  cancel(approvalId: string): void;
  clear(): void;
};

/**
 * One timer per pending approval, on the injected clock, calling `onDue` once its `expiresAt` has
 * come. Bounded by the approvals pending: a timer goes when it fires or its approval is settled.
 */
export class ApprovalTimers implements ExpiryTimers {
  readonly #clock: Clock;
  readonly #onDue: (approval: Approval) => void;
  readonly #timers = new Map<string, TimerHandle>();

  constructor(options: { clock: Clock; onDue: (approval: Approval) => void }) {
    this.#clock = options.clock;
    this.#onDue = options.onDue;
  }

  get size(): number {
    return this.#timers.size;
  }

  arm(approval: Approval): void {
    this.cancel(approval.id);
    const delay = Math.max(0, approval.expiresAt - this.#clock.now());
    const handle = this.#clock.setTimeout(() => {
      if (this.#timers.get(approval.id) !== handle) return;
      this.#timers.delete(approval.id);
      if (this.#clock.now() < approval.expiresAt) this.arm(approval);
      else this.#onDue(approval);
    }, Math.min(delay, maxDelayMs));
    this.#timers.set(approval.id, handle);
  }

  cancel(approvalId: string): void {
    const handle = this.#timers.get(approvalId);
    if (handle === undefined) return;
    this.#clock.clearTimeout(handle);
    this.#timers.delete(approvalId);
  }

  clear(): void {
    for (const handle of this.#timers.values()) this.#clock.clearTimeout(handle);
    this.#timers.clear();
  }
}
