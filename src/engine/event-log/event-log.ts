import { ConfabError } from '../../domain/errors.ts';
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
 *   an epoch and continue from the `lastSeq` the log was opened with (or from the last event a
 *   durable log holds, when that is later). Appends one caller makes without waiting are applied
 *   in the order it made them.
 * - A durable log (`durable: true`) has every event stored before any listener sees it or the
 *   append resolves, so what a listener was shown survives a crash of the process. Opened again
 *   with the `lastSeq` of the records the caller holds, it keeps its epoch when its history is
 *   intact, and `subscribe(lastSeq)` replays the events after the records (the caller folds them).
 *   It drops events only once `checkpointed(seq)` said the records cover them, and only as its
 *   retention allows; `checkpointDue` asks the caller to write its records so it can drop more.
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
 *   cursor saw has a new epoch (every open of the in-memory log does); two opens that share an
 *   epoch share one history.
 * - A shared log (Redis) may lose its history under an open log (Redis restarted without
 *   persistence, or its keys expired): `append` and `claim` then reject with a `LogLostError`
 *   and append nothing; the owner must open the log again, which gives it a new epoch.
 */
export interface EventLog {
  /** At most one open log per conversation at a time; close it before opening it again. */
  open(conversationId: string, options: { lastSeq: number }): Promise<ConversationLog>;
  /**
   * Conversations whose stored events may go past the store's records (a superset is fine):
   * start-up recovery loads them so their state folds those events. Empty for a log that keeps
   * nothing across restarts.
   */
  conversationsToRecover(): Promise<string[]>;
  /** Write transactions made (for tests and the benchmark); 0 for a log that stores nothing. */
  readonly writes: number;
}

export interface ConversationLog {
  readonly conversationId: string;
  readonly epoch: string;
  /** The highest seq appended. */
  readonly lastSeq: number;
  /** Events are stored before they are delivered (see the contract above). */
  readonly durable: boolean;
  /** A durable log holds more events past the last `checkpointed` seq than it wants to: write the records. */
  readonly checkpointDue: boolean;
  /**
   * The store's records now reflect every event up to `seq`: a durable log may drop those its
   * retention no longer needs. Resolves once it has (never rejects: a failed drop is retried at
   * the next call).
   */
  checkpointed(seq: number): Promise<void>;
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
  /**
   * Nobody watches the conversation and nothing runs in it (it may be released soon): a log may
   * drop what it keeps in memory only to make replays cheap. Replays still answer as before.
   */
  idle?(): void;
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

/** The refusal of a write by a fence that is no longer current. */
export function staleFence(fence: Fence): ConfabError {
  return new ConfabError('stale_fence', `Attempt ${fence.attempt} of run ${fence.runId} is no longer the one that may write: another worker took the run over.`);
}
