import type { CheckpointStore } from '../store/checkpoint-commits.ts';
import type { RunFence } from '../store/run-claims.ts';
import type { Store, StoreBatch } from '../store/store.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { notify, type EngineObserver } from './engine-observer.ts';
import type { DirtyRecords } from './dirty-records.ts';
import type { LiveConversation } from './live-conversation.ts';

/**
 * Writes live state to the store in batches: every conversation changed since the last write goes
 * into one transaction, and immediately on `flush()` (run ends, shutdown). Never one write per token.
 * A failed write keeps the records dirty and is tried again at the next interval.
 *
 * A conversation on a durable log (the journal) needs no timer: its events are stored before anyone
 * sees them, and recovery folds them into the records. Its records are written with the others
 * (commands, run ends, release, shutdown) and when the log says a checkpoint is due (its events past
 * the records passed a size bound); each write tells the log how far the records go, so it can drop
 * what its retention no longer needs. On a log that is not durable, the records are written at most
 * once per `intervalMs` while anything is dirty (no timer runs while nothing changes).
 */
export class Checkpointer {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #observer: EngineObserver | undefined;
  readonly #forward: CheckpointStore | undefined;
  readonly #dirty = new Set<LiveConversation>();
  #timer: object | undefined;
  #pendingSync: Promise<void> | undefined;
  #dueScheduled = false;
  #writing: Promise<void> = Promise.resolve();
  /** Transactions committed (for tests and the benchmark). */
  commits = 0;

  /**
   * `forwardOnly`: other nodes checkpoint the same conversations (scale-out). Writes then go through
   * the store's forward-only checkpoint (checkpoint-commits.ts): the dirty records as of the folded
   * seq, dropped where another node already wrote further; `commitNow` records written as given.
   */
  constructor(options: { store: Store; clock: Clock; intervalMs: number; logger: Logger; observer?: EngineObserver; forwardOnly?: CheckpointStore }) {
    this.#store = options.store;
    this.#forward = options.forwardOnly;
    this.#clock = options.clock;
    this.#intervalMs = options.intervalMs;
    this.#logger = options.logger;
    this.#observer = options.observer;
  }

  markDirty(live: LiveConversation): void {
    this.#dirty.add(live);
    if (live.log.durable) {
      if (live.log.checkpointDue && !this.#dueScheduled) {
        this.#dueScheduled = true;
        void this.flush().finally(() => (this.#dueScheduled = false));
      }
      return;
    }
    if (this.#timer === undefined) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#intervalMs);
    }
  }

  /** Writes everything dirty now; resolves when it (and any write before it) is stored. */
  flush(): Promise<void> {
    this.#cancelTimer();
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  /**
   * Resolves once everything changed so far is stored, and rejects when that write fails (the
   * records stay dirty and are retried): what commands await before they acknowledge. Calls made
   * before the write starts share it, so the acknowledgements of one event-loop turn cost one
   * transaction (group commit).
   */
  sync(): Promise<void> {
    this.#cancelTimer();
    if (this.#pendingSync) return this.#pendingSync;
    // The write starts after this turn's I/O callbacks, so every acknowledgement the turn
    // produces joins it; one that arrives while it is being written joins the next one.
    const write = this.#writing.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => {
      this.#pendingSync = undefined;
      return this.#write(undefined, true);
    });
    this.#pendingSync = write;
    this.#writing = write.catch(() => {});
    return write;
  }

  /**
   * Writes everything pending plus `batch`, in one transaction: used at run end so the terminal
   * records are stored before the events announcing them go out. Rejects when the write fails (the
   * pending records stay dirty and are retried; the caller decides what to do about `batch`).
   * `fence` (forward-only stores only): the transaction is refused whole unless that run claim is current.
   */
  commitNow(batch: StoreBatch, fence?: RunFence): Promise<void> {
    const write = this.#writing.then(() => this.#write(batch, true, fence));
    this.#writing = write.catch(() => {});
    return write;
  }

  /** The interval's write is not needed: one is starting now. */
  #cancelTimer(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Forgets a conversation's pending writes (it was deleted). */
  forget(live: LiveConversation): void {
    this.#dirty.delete(live);
  }

  /** `extra` records go after the dirty ones, so they win where both hold the same record. */
  async #write(extra?: StoreBatch, rethrow = extra !== undefined, fence?: RunFence): Promise<void> {
    if (this.#dirty.size === 0 && !extra) return;
    const lives = [...this.#dirty];
    this.#dirty.clear();
    const batch: Required<StoreBatch> = { conversations: [], messages: [], runs: [], approvals: [], lastSeq: {} };
    const taken: { live: LiveConversation; conversation: boolean; messages: string[]; runs: string[]; approvals: DirtyRecords['approvals']; pruned: LiveConversation['prunedRuns'] }[] = [];
    for (const live of lives) {
      if (live.deleted) continue;
      const { dirty, state } = live;
      const record = { live, conversation: dirty.conversation, messages: [...dirty.messages], runs: [...dirty.runs], approvals: new Map(dirty.approvals), pruned: live.prunedRuns };
      live.prunedRuns = new Map();
      taken.push(record);
      // Live records, not copies: the store takes what it writes when `commit` is called (store.ts).
      if (dirty.conversation) batch.conversations.push(state.conversation);
      for (const message of state.messages) if (dirty.messages.has(message.id)) batch.messages.push(message);
      for (const id of dirty.runs) {
        const run = state.runs.find((candidate) => candidate.id === id) ?? record.pruned.get(id);
        if (run) batch.runs.push(run);
      }
      batch.approvals.push(...record.approvals.values());
      batch.lastSeq[live.id] = live.foldedSeq;
      dirty.conversation = false;
      dirty.messages.clear();
      dirty.runs.clear();
      dirty.approvals.clear();
    }
    if (this.#forward) {
      if (taken.length === 0 && !extra) return;
    } else if (extra) {
      batch.conversations.push(...(extra.conversations ?? []));
      batch.messages.push(...(extra.messages ?? []));
      batch.runs.push(...(extra.runs ?? []));
      batch.approvals.push(...(extra.approvals ?? []));
      for (const [id, seq] of Object.entries(extra.lastSeq ?? {})) batch.lastSeq[id] = Math.max(seq, batch.lastSeq[id] ?? 0);
    } else if (taken.length === 0) {
      return;
    }
    // A duration, so the monotonic clock (the injected one tells the time of day and schedules timers).
    const started = performance.now();
    const report = (ok: boolean) => notify(this.#observer, 'checkpointWritten', { durationMs: performance.now() - started, conversations: Object.keys(batch.lastSeq).length, ok });
    try {
      if (this.#forward) await this.#forward.commitCheckpoint(batch, extra, fence);
      else await this.#store.commit(batch);
      this.commits++;
      report(true);
      for (const { live } of taken) void live.log.checkpointed(batch.lastSeq[live.id]!);
    } catch (error) {
      report(false);
      this.#logger.error('checkpoint failed; will retry', { error, conversationIds: Object.keys(batch.lastSeq) });
      for (const record of taken) {
        if (record.live.deleted) continue;
        if (record.conversation) record.live.dirty.conversation = true;
        for (const id of record.messages) record.live.dirty.messages.add(id);
        for (const id of record.runs) record.live.dirty.runs.add(id);
        for (const [id, approval] of record.approvals) if (!record.live.dirty.approvals.has(id)) record.live.dirty.approvals.set(id, approval);
        for (const [id, run] of record.pruned) if (!record.live.prunedRuns.has(id)) record.live.prunedRuns.set(id, run);
        this.markDirty(record.live);
      }
      if (rethrow) throw error;
    }
  }
}
