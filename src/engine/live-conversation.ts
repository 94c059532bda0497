import type { Approval } from '../domain/approval-schemas.ts';
import { ConfabError } from '../domain/errors.ts';
import { isTerminalRunStatus, type ConversationState, type Run } from '../domain/schemas.ts';
import { applyEvent } from '../events/apply-event.ts';
import { touchesOf } from '../events/touches.ts';
import { formatCursor, parseCursor } from '../events/cursor.ts';
import type { ConfabEvent } from '../events/definitions.ts';
import { LogLostError, type ConversationLog, type EventDraft, type Fence, type LogSubscription } from './event-log/event-log.ts';
import { markTouched, type DirtyRecords } from './dirty-records.ts';
import { Subscription } from './subscription.ts';

type Pending = { drafts: EventDraft[]; persisted: boolean[]; fence: Fence | undefined };

/** Settled approvals remembered per live conversation (see `settledApproval`). */
const settledKept = 64;

/**
 * A conversation loaded in memory. Its `state` is the fold of its log: events are applied when
 * the log delivers them, so a snapshot at the last folded seq is exactly what a client gets by
 * applying the events up to it. Writers `emit` drafts; the drafts of one event-loop turn (with the
 * same fence) go to the log in one append, which assigns their seqs and fans them out: to this
 * fold first, then to every subscription. `flush()` waits until everything emitted is folded.
 */
export class LiveConversation {
  readonly id: string;
  state: ConversationState;
  readonly log: ConversationLog;
  readonly subscriptions = new Set<Subscription>();
  /** The executing run, with the controller that stops it. */
  active: { runId: string; controller: AbortController; done: Promise<void> } | undefined;
  /** Records changed since the last checkpoint. */
  readonly dirty: DirtyRecords = { conversation: false, messages: new Set(), runs: new Set(), approvals: new Map() };
  /** Ended runs the fold dropped from `state.runs` since the last checkpoint, by id (see `#fold`). */
  prunedRuns = new Map<string, Run>();
  deleted = false;
  /** The fold missed events (a shared log's gap): this state is stale; the conversation must be loaded again. */
  broken = false;
  /** Timer that releases this conversation from memory when idle. */
  releaseTimer: object | undefined;
  /** Seq of the last event folded into `state`. */
  #foldedSeq: number;
  #pending: Pending | undefined;
  /** The latest append issued (it never rejects), and a failure `flush` has yet to report. */
  #lastAppend: Promise<void> = Promise.resolve();
  #appendError: unknown;
  #foldSubscription: LogSubscription | undefined;
  #runEndWaiters: { runId: string; resolve: (run: Run | null) => void }[] = [];
  /** The newest settlements folded, by approval id (see `settledApproval`). */
  readonly #settled = new Map<string, Approval>();
  #stateWaiters = new Set<() => void>();
  readonly #onDirty: (live: LiveConversation) => void;
  readonly #onUnsubscribe: (live: LiveConversation) => void;
  readonly #onStaleFence: (fence: Fence) => void;

  readonly #onGap: (() => void) | undefined;
  readonly #dirtyFromFold: boolean;

  /**
   * `shared`: other nodes append to the same log (scale-out). `state` is the store's, as of
   * `foldedSeq`, and the fold starts there (the log replays what other nodes appended since); every
   * folded event marks its record dirty, whoever appended it, so this node's checkpoint covers all
   * it folded (checkpoint-commits.ts); a gap in the fold is reported to `onGap` (reload) instead of
   * being fatal. Without it the log was opened at the store's `lastSeq` and this node is its only writer.
   */
  constructor(options: {
    state: ConversationState;
    log: ConversationLog;
    /** The seq `state` reflects (the records' `lastSeq`); the log's `lastSeq` when not given. */
    foldedSeq?: number;
    onDirty: (live: LiveConversation) => void;
    onUnsubscribe: (live: LiveConversation) => void;
    onStaleFence?: (fence: Fence) => void;
    shared?: { onGap: () => void };
  }) {
    this.id = options.state.conversation.id;
    this.state = options.state;
    this.log = options.log;
    this.#foldedSeq = options.foldedSeq ?? options.log.lastSeq;
    this.#onDirty = options.onDirty;
    this.#onUnsubscribe = options.onUnsubscribe;
    this.#onStaleFence = options.onStaleFence ?? (() => {});
    this.#onGap = options.shared?.onGap;
    this.#dirtyFromFold = options.shared !== undefined;
  }

  /**
   * Starts folding the log into `state`; call once, before anything emits or subscribes. A durable
   * log replays the events it holds past the records `state` was loaded from (what clients saw
   * before a crash): they are folded and their records marked for the next checkpoint.
   */
  async attach(): Promise<void> {
    let replaying = true;
    this.#foldSubscription = await this.log.subscribe(this.#foldedSeq, {
      events: (events) => {
        for (const event of events) {
          this.#fold(event);
          // Shared: every folded event marks its record, whoever appended it (checkpoint-commits.ts).
          if (this.#dirtyFromFold) markTouched(this.dirty, event);
          else if (replaying) this.#markDirty(event);
        }
        if (this.#runEndWaiters.length > 0) this.#settleRunEndWaiters();
        for (const check of [...this.#stateWaiters]) check();
      },
      gap: () => {
        if (!this.#onGap) throw new Error(`the log of ${this.id} lost events this node had not folded yet`);
        if (this.broken) return;
        this.broken = true;
        this.#onGap();
      },
    });
    replaying = false;
  }

  /**
   * Applies one event. A run that ends drops the previously ended run from `state.runs` (only the
   * latest stays); if that run's record was not written yet (stopped while another run finished in
   * the same turn, say), `prunedRuns` keeps it for the checkpointer.
   */
  #fold(event: ConfabEvent): void {
    const ended = touchesOf(event.type).record === 'run' ? this.state.runs.find((run) => isTerminalRunStatus(run.status)) : undefined;
    this.state = applyEvent(this.state, event);
    this.#foldedSeq = event.seq;
    if (ended && !this.state.runs.includes(ended)) this.prunedRuns.set(ended.id, ended);
    if (event.type === 'approval-resolved') {
      this.#settled.set(event.data.approval.id, event.data.approval);
      if (this.#settled.size > settledKept) this.#settled.delete(this.#settled.keys().next().value!);
    }
  }

  /**
   * How an approval was settled, as folded (the state lists pending ones only): on the journal the
   * settlement is folded before its record is stored, so a reader woken by the fold reads it here.
   * Undefined when not settled since this conversation was loaded (or long ago): read the store.
   */
  settledApproval(approvalId: string): Approval | undefined {
    return this.#settled.get(approvalId);
  }

  /**
   * Queues an event for the log. `persisted`: the records it changes were already written to the
   * store. `fence`: the run claim the event is written under (run writers); an append with a stale
   * fence is refused and reported through `onStaleFence`.
   */
  emit(draft: EventDraft, options?: { persisted?: boolean; fence?: Fence }): void {
    const fence = options?.fence;
    if (this.#pending && !sameFence(this.#pending.fence, fence)) this.#appendPending();
    if (!this.#pending) {
      this.#pending = { drafts: [], persisted: [], fence };
      queueMicrotask(() => this.#appendPending());
    }
    this.#pending.drafts.push(draft);
    this.#pending.persisted.push(options?.persisted ?? false);
  }

  /** Resolves once everything emitted so far is appended and folded into `state`. */
  async flush(): Promise<void> {
    this.#appendPending();
    await this.#lastAppend;
    const error = this.#appendError;
    if (error !== undefined) {
      this.#appendError = undefined;
      throw error;
    }
  }

  #appendPending(): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    // Issued at once, in order: the log applies one caller's appends in the order it made them.
    this.#lastAppend = this.log.append(pending.drafts, pending.fence).then(
      (events) => {
        // Shared: the fold marked the records; this node appended, so it checkpoints them.
        if (this.#dirtyFromFold) return void (events.length > 0 && this.#onDirty(this));
        for (let index = 0; index < events.length; index++) if (!pending.persisted[index]) this.#markDirty(events[index]!);
        // Records already stored still move the stored `lastSeq` on, at the next checkpoint.
        if (pending.persisted.includes(true)) this.#onDirty(this);
      },
      (error: unknown) => {
        if (pending.fence && ConfabError.is(error, 'stale_fence')) return this.#onStaleFence(pending.fence);
        this.#appendError = error;
        // A shared log whose history Redis lost: this copy is stale, as after a gap (load it again).
        if (LogLostError.is(error) && this.#onGap && !this.broken) {
          this.broken = true;
          this.#onGap();
        }
      },
    );
  }

  /**
   * Subscribes after `cursor`: replays exactly the held events after it, or starts with a snapshot
   * when the cursor is absent, from another epoch, older than the log holds, or not one we issued.
   */
  async subscribe(cursor: string | undefined, limit: number): Promise<Subscription> {
    const subscription = new Subscription({ conversationId: this.id, limit, source: this });
    const parsed = parseCursor(cursor);
    // A cursor another node issued may be ahead of this node's fold: catch up before judging it.
    if (parsed && parsed.epoch === this.log.epoch && parsed.seq > this.#foldedSeq) await this.log.sync?.();
    const after = parsed && parsed.epoch === this.log.epoch && parsed.seq <= this.#foldedSeq ? parsed.seq : undefined;
    if (after === undefined) subscription.requestSnapshot();
    this.subscriptions.add(subscription);
    const feed = await this.log.subscribe(after ?? this.#foldedSeq, subscription);
    if (subscription.closed) feed.close();
    else subscription.feed = feed;
    return subscription;
  }

  /** A subscription closed (SubscriptionSource). */
  unsubscribed(subscription: Subscription): void {
    this.subscriptions.delete(subscription);
    this.#onUnsubscribe(this);
  }

  snapshot(): ConfabEvent {
    const seq = this.#foldedSeq;
    return {
      seq,
      cursor: formatCursor(this.log.epoch, seq),
      conversationId: this.id,
      runId: null,
      type: 'snapshot',
      at: Date.now(),
      data: { state: structuredClone(this.state) },
    };
  }

  get cursor(): string {
    return formatCursor(this.log.epoch, this.#foldedSeq);
  }

  /** Seq of the last event folded into `state` (what the store's `lastSeq` records). */
  get foldedSeq(): number {
    return this.#foldedSeq;
  }

  /** Its log stores events before anyone sees them (the journal). */
  get durable(): boolean {
    return this.log.durable;
  }

  /**
   * Resolves with the run once the fold shows it ended (wherever it executes), or with null when
   * the run is unknown here or the conversation is closed first.
   */
  runEnded(runId: string): Promise<Run | null> {
    return new Promise((resolve) => {
      this.#runEndWaiters.push({ runId, resolve });
      this.#settleRunEndWaiters();
    });
  }

  /**
   * Resolves once the folded state satisfies `condition` (checked now and after every fold, so a
   * change written by another node counts too); rejects with the signal's reason when it aborts,
   * and with `not_found` when the conversation is closed first.
   */
  until(condition: (state: ConversationState) => boolean, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: unknown) => {
        this.#stateWaiters.delete(check);
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const check = () => {
        if (this.deleted) done(new ConfabError('not_found', `Conversation ${this.id} was deleted.`));
        else if (condition(this.state)) done();
      };
      const onAbort = () => done(signal.reason ?? new Error('aborted'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#stateWaiters.add(check);
      check();
    });
  }

  #settleRunEndWaiters(): void {
    this.#runEndWaiters = this.#runEndWaiters.filter((waiter) => {
      const run = this.findRun(waiter.runId);
      if (run && isTerminalRunStatus(run.status)) {
        waiter.resolve(run);
        return false;
      }
      if (!run || this.deleted) {
        waiter.resolve(run ?? null);
        return false;
      }
      return true;
    });
  }

  findRun(runId: string): Run | undefined {
    return this.state.runs.find((run) => run.id === runId);
  }

  get isIdle(): boolean {
    return this.active === undefined && this.#pending === undefined && this.subscriptions.size === 0 && this.state.runs.every((run) => run.status !== 'queued' && run.status !== 'running');
  }

  /** Stops folding and frees the log. */
  close(): void {
    for (const waiter of this.#runEndWaiters.splice(0)) waiter.resolve(this.findRun(waiter.runId) ?? null);
    for (const check of [...this.#stateWaiters]) check();
    this.#foldSubscription?.close();
    this.log.close();
  }

  #markDirty(event: ConfabEvent): void {
    if (markTouched(this.dirty, event)) this.#onDirty(this);
  }
}

function sameFence(a: Fence | undefined, b: Fence | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.runId === b.runId && a.attempt === b.attempt);
}
