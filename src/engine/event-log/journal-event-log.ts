import type { ConfabEvent } from '../../events/definitions.ts';
import { rememberEncoding } from '../../events/encoded-event.ts';
import type { Clock } from '../../util/clock.ts';
import type { ConversationLog, EventLog } from './event-log.ts';
import { JournalConversationLog, type JournalLogOwner, type JournalRetention, type PendingAppend } from './journal-conversation-log.ts';
import type { Journal, JournalEntry } from '../../store/journal.ts';

export type JournalEventLogOptions = {
  journal: Journal;
  clock: Clock;
  newEpoch: () => string;
  retention?: Partial<JournalRetention>;
  /** Bytes appended past a conversation's last checkpoint that make a checkpoint of its records due. */
  checkpointBytes?: number;
  /** A failed compaction or a listener that threw (the append itself still succeeded). */
  onError?: (error: unknown) => void;
  /**
   * While busy, a transaction starts at most this often (default 0: every turn that appends). The
   * first append after a quiet spell is written in its own turn; under a stream of appends, the
   * ones made within the interval share one transaction, each delayed by at most the interval.
   */
  commitIntervalMs?: number;
};

export const defaultJournalRetention: JournalRetention = { events: 10_000, runs: 3, bytes: 4 * 1024 * 1024 };
export const defaultCheckpointBytes = 1024 * 1024;
/** What `confab serve` paces journal transactions at (see `commitIntervalMs`; measured in docs/benchmarks.md). */
export const defaultCommitIntervalMs = 2;

/**
 * The durable conversation log: every event is written to the journal before anyone sees it.
 * Appends from all conversations made in one event-loop turn are written in one transaction
 * (group commit, scheduled with `setImmediate`, so no timer delays a token on an idle server), and
 * only once it is committed are the events delivered, in order, to each log's listeners (the
 * conversation's fold first, then its watchers) and the appends resolved. While a transaction is
 * being written, new appends gather for the next one. A failed transaction refuses every append
 * in it and assigns nothing: the seqs are given again to later appends, which no one has seen.
 *
 * Epochs are stored per conversation and kept across opens and restarts while the journal is
 * contiguous with the records; see `open`.
 */
export class JournalEventLog implements EventLog {
  readonly #journal: Journal;
  readonly #clock: Clock;
  readonly #newEpoch: () => string;
  readonly #owner: JournalLogOwner;
  #queue: PendingAppend[] = [];
  #scheduled = false;
  #writing = false;
  readonly #commitIntervalMs: number;
  /** When the last transaction started (the clock's time); -Infinity before the first. */
  #lastCommitAt = -Infinity;

  constructor(options: JournalEventLogOptions) {
    this.#journal = options.journal;
    this.#clock = options.clock;
    this.#newEpoch = options.newEpoch;
    this.#commitIntervalMs = options.commitIntervalMs ?? 0;
    if (!(this.#commitIntervalMs >= 0)) throw new RangeError('commitIntervalMs must be zero or more');
    const retention = { ...defaultJournalRetention, ...options.retention };
    if (!(retention.events >= 1) || !(retention.runs >= 0) || !(retention.bytes >= 0)) throw new RangeError('journal retention must keep at least one event');
    this.#owner = {
      journal: options.journal,
      retention,
      checkpointBytes: options.checkpointBytes ?? defaultCheckpointBytes,
      enqueue: (append) => this.#enqueue(append),
      onError: options.onError ?? (() => {}),
    };
  }

  /**
   * Opens a conversation's log after the records, which reflect every event up to `lastSeq`. The
   * journal's events after that are replayed to the first subscriber (the fold). The epoch is the
   * stored one unless the journal and the records disagree (events missing between them, or the
   * records ahead of the journal) or the journal forgot it after a possible loss: then the history
   * a cursor saw could differ, and the log starts a new epoch (dropping events that cannot be
   * replayed in it).
   */
  async open(conversationId: string, options: { lastSeq: number }): Promise<ConversationLog> {
    const records = options.lastSeq;
    const head = await this.#journal.head(conversationId);
    let epoch = head.epoch;
    let fields = { lastSeq: records, firstHeld: records + 1, heldBytes: 0 };
    if (head.firstSeq !== undefined && head.lastSeq !== undefined) {
      if (head.firstSeq <= records + 1 && head.lastSeq >= records) {
        fields = { lastSeq: head.lastSeq, firstHeld: head.firstSeq, heldBytes: head.bytes };
      } else {
        await this.#journal.trim(conversationId, head.lastSeq);
        epoch = undefined;
      }
    }
    if (epoch === undefined) {
      epoch = this.#newEpoch();
      await this.#journal.setEpoch(conversationId, epoch);
    }
    return new JournalConversationLog(this.#owner, { conversationId, epoch, checkpointedSeq: records, ...fields });
  }

  conversationsToRecover(): Promise<string[]> {
    return this.#journal.conversationsAhead();
  }

  get writes(): number {
    return this.#journal.writes;
  }

  #enqueue(append: PendingAppend): void {
    this.#queue.push(append);
    this.#schedule();
  }

  /**
   * After this turn's I/O callbacks, so every append the turn makes joins one transaction; and no
   * sooner than the commit interval after the last transaction started, so that under load one
   * transaction (one message to the writer thread, one SQLite commit) carries many appends.
   */
  #schedule(): void {
    if (this.#scheduled || this.#writing) return;
    this.#scheduled = true;
    const wait = this.#lastCommitAt + this.#commitIntervalMs - this.#clock.now();
    if (wait <= 0) {
      setImmediate(() => this.#startCommit());
      return;
    }
    const timer = this.#clock.setTimeout(() => this.#startCommit(), wait);
    // Appends wait on it (the system clock's timers do not keep the process alive; this one must, as setImmediate does).
    (timer as { ref?: () => void }).ref?.();
  }

  #startCommit(): void {
    this.#scheduled = false;
    this.#lastCommitAt = this.#clock.now();
    void this.#commit();
  }

  /** The events of one append, with seqs after `after`, and the entries that store them. */
  #build(log: JournalConversationLog, append: PendingAppend, after: number, at: number): { events: ConfabEvent[]; entries: JournalEntry[]; bytes: number } {
    const entries: JournalEntry[] = [];
    let bytes = 0;
    const events = append.drafts.map((draft, index) => {
      const seq = after + 1 + index;
      const body = JSON.stringify({ runId: draft.runId, type: draft.type, at, data: draft.data });
      const size = Buffer.byteLength(body);
      bytes += size;
      entries.push({ conversationId: log.conversationId, seq, body, bytes: size });
      const event = { seq, cursor: `${log.epoch}.${seq}`, conversationId: log.conversationId, runId: draft.runId, type: draft.type, at, data: draft.data } as ConfabEvent;
      rememberEncoding(event, log.wireJson(seq, body));
      return event;
    });
    return { events, entries, bytes };
  }

  async #commit(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    this.#writing = true;
    const staged: { append: PendingAppend; events: ConfabEvent[]; bytes: number }[] = [];
    const entries: JournalEntry[] = [];
    const nextSeq = new Map<JournalConversationLog, number>();
    const at = this.#clock.now();
    for (const append of batch) {
      const { log } = append;
      const refusal = log.refusal(append.fence);
      if (refusal) {
        append.reject(refusal);
        continue;
      }
      const first = nextSeq.get(log) ?? log.lastSeq;
      try {
        const built = this.#build(log, append, first, at);
        entries.push(...built.entries);
        nextSeq.set(log, first + built.events.length);
        staged.push({ append, events: built.events, bytes: built.bytes });
      } catch (error) {
        // Data that cannot be stored (not JSON) fails its own append only.
        append.reject(error);
      }
    }
    try {
      if (entries.length > 0) await this.#journal.write(entries);
    } catch (error) {
      for (const { append } of staged) append.reject(error);
      staged.length = 0;
    }
    for (const { append, events, bytes } of staged) {
      append.log.deliver(events, bytes);
      append.resolve(events);
    }
    this.#writing = false;
    if (this.#queue.length > 0) this.#schedule();
  }
}
