import type { ConfabEvent, EventType, EventData } from '../../events/definitions.ts';

/**
 * The conversation log seam: one ordered log per conversation. The log assigns `seq` and
 * `cursor`, holds a bounded window of recent events for replay, fences writers, and fans events
 * out to its subscribers. Every method that may cross a process is async, even where the
 * in-memory implementation could answer at once, so a shared log (Redis) plugs in unchanged.
 *
 * Contract (tested by `event-log-contract.ts` over every implementation):
 * - `append(drafts, fence?)` assigns `seq = lastSeq + 1, + 2, …` to the drafts in order, in one
 *   step (no other append interleaves), and resolves with the events. Seqs never repeat within
 *   an epoch and continue from the `lastSeq` the log was opened with. Appends one caller makes
 *   without waiting are applied in the order it made them.
 * - Fences: `claim({ runId, attempt })` makes `attempt` the current one for that run. An append
 *   carrying a fence whose attempt is not the current one for its run (a zombie worker, presumed
 *   dead and replaced) is refused with `ConfabError('stale_fence')` and appends nothing.
 * - `read(after)` resolves with exactly the events with a greater seq, in order, when every one of
 *   them is still held; `undefined` when some are not (the caller must then send a snapshot).
 * - `subscribe(after, listener)` delivers every event with a greater seq exactly once, in order:
 *   first those held (replay), then live ones as they are appended. When the events after `after`
 *   are no longer all held, it calls `listener.gap()` instead of replaying, then delivers live
 *   events. With `after` undefined it delivers live events only. Listeners are called in the
 *   order they subscribed.
 * - The epoch belongs to the log: cursors from another epoch are never replayed (the caller
 *   compares epochs before subscribing). An opened log whose history could differ from what a
 *   cursor saw has a new epoch; two opens that share an epoch share one history.
 * - A shared log (Redis) may lose its history under an open log (Redis restarted without
 *   persistence, or its keys expired): `append` and `claim` then reject with a `LogLostError`
 *   and append nothing; the owner must open the log again, which gives it a new epoch.
 */
export interface EventLog {
  open(conversationId: string, options: { lastSeq: number }): Promise<ConversationLog>;
}

export interface ConversationLog {
  readonly conversationId: string;
  readonly epoch: string;
  /** The highest seq appended. */
  readonly lastSeq: number;
  claim(fence: Fence): Promise<void>;
  append(drafts: EventDraft[], fence?: Fence): Promise<ConfabEvent[]>;
  read(after: number): Promise<ConfabEvent[] | undefined>;
  subscribe(after: number | undefined, listener: LogListener): Promise<LogSubscription>;
  /**
   * Shared logs only: resolves once every event appended (by any node) before the call has been
   * delivered to this log's listeners. A node that learns of an append by another route (a run
   * dispatched to it, a client's cursor) calls it before it reads its fold.
   */
  sync?(): Promise<void>;
  /** Ends every subscription and frees the log. */
  close(): void;
}

/** Who may write a run's events: the worker holding this claim. */
export type Fence = { runId: string; attempt: number };

export type LogListener = {
  /** Events in seq order, each delivered once. */
  events(events: ConfabEvent[]): void;
  /** The events after the subscriber's seq are no longer all held: it needs a snapshot. */
  gap(): void;
};

export interface LogSubscription {
  close(): void;
}

export type EventDraft<T extends EventType = EventType> = {
  type: T;
  runId: string | null;
  data: EventData<T>;
};

/** The shared history under an open log is gone (see the contract above): open the log again. */
export class LogLostError extends Error {
  constructor(conversationId: string, options?: { cause?: unknown }) {
    super(`The shared log of ${conversationId} lost its history (a new epoch began); open it again.`, options);
    this.name = 'LogLostError';
  }

  static is(value: unknown): value is LogLostError {
    return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'LogLostError';
  }
}
