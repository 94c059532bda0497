import type { ConfabEvent } from '../../events/definitions.ts';
import { encodeEvent, rememberEncoding } from '../../events/encoded-event.ts';
import { turnCache } from '../../util/turn-cache.ts';
import { staleFence, type ConversationLog, type EventDraft, type Fence, type LogListener, type LogSubscription } from './event-log.ts';
import type { Journal, JournalRow } from '../../store/journal.ts';

/** How much of a conversation's journal is kept once the records cover it (each bound applies). */
export type JournalRetention = {
  /** Events held, at most. */
  events: number;
  /** Runs whose events are kept: events up to the end of the run before the last `runs` go. */
  runs: number;
  /** Bytes of stored event JSON held, at most. */
  bytes: number;
};

/** What a conversation's log needs from the log that opened it. */
export type JournalLogOwner = {
  journal: Journal;
  retention: JournalRetention;
  /** Bytes appended past the last checkpoint that make one due. */
  checkpointBytes: number;
  enqueue(append: PendingAppend): void;
  onError(error: unknown): void;
};

export type PendingAppend = {
  log: JournalConversationLog;
  drafts: EventDraft[];
  fence: Fence | undefined;
  resolve: (events: ConfabEvent[]) => void;
  reject: (error: unknown) => void;
};

/** One listener of a log and the handle that removes it: an object, not a closure, per subscriber. */
class Listening implements LogSubscription {
  readonly log: JournalConversationLog;
  readonly listener: LogListener;
  seq: number;
  buffered: ConfabEvent[] | undefined = undefined;

  constructor(log: JournalConversationLog, listener: LogListener, seq: number) {
    this.log = log;
    this.listener = listener;
    this.seq = seq;
  }

  close(): void {
    this.log.unlisten(this);
  }
}

/**
 * Past this many delivered groups the backlog merges neighbours (each pair counts as covered only
 * once its later seq is): a long run between checkpoints costs a bounded array, not one per turn.
 */
const maxBacklogEntries = 64;

function mergePairs(backlog: { seq: number; bytes: number }[]): { seq: number; bytes: number }[] {
  const merged: { seq: number; bytes: number }[] = [];
  for (let index = 0; index < backlog.length; index += 2) {
    const second = backlog[index + 1];
    merged.push(second ? { seq: second.seq, bytes: backlog[index]!.bytes + second.bytes } : backlog[index]!);
  }
  return merged;
}

/** Delivered events kept in memory for short replays (the usual reconnect); trimmed back from twice this. */
const recentLimit = 256;

/**
 * A recent event for a replay, from its wire JSON: made once per turn, so the watchers of one
 * conversation replaying together (a reconnect after a network blip) share the object and its bytes.
 */
const recentEvent = turnCache((json: string) => {
  const event = JSON.parse(json) as ConfabEvent;
  rememberEncoding(event, json);
  return event;
});

const runEndTypes = new Set(['run-completed', 'run-stopped', 'run-failed', 'run-interrupted']);

/**
 * One conversation's durable log. Appends go to the owner, which stores a whole event-loop turn
 * of them in one transaction and only then calls `deliver`; replays read the journal. No events
 * are kept in memory: the journal holds them, and a watched but quiet conversation costs little.
 */
export class JournalConversationLog implements ConversationLog {
  readonly conversationId: string;
  readonly epoch: string;
  readonly durable = true;
  readonly #owner: JournalLogOwner;
  #lastSeq: number;
  /** Oldest seq held (lastSeq + 1 when none is). */
  #firstHeld: number;
  #heldBytes: number;
  #checkpointedSeq: number;
  /** Delivered groups past the last checkpoint: the seq each ends at and its bytes. */
  #backlog: { seq: number; bytes: number }[] = [];
  #backlogBytes = 0;
  /** Seqs of the run ends seen since open, the newest `retention.runs + 1`. */
  #runEnds: number[] = [];
  readonly #claims = new Map<string, number>();
  #listeners: Listening[] = [];
  /**
   * The wire JSON of the newest delivered events, contiguous up to `lastSeq` from `#recentFrom`:
   * replays they cover read nothing. Strings, not the events: a string is all a replay needs, and
   * the event objects (with their data) die young instead of being promoted and collected late.
   */
  #recent: string[] = [];
  #recentFrom: number;
  #closed = false;
  #compacting: Promise<void> = Promise.resolve();
  readonly #wirePrefix: string;

  constructor(owner: JournalLogOwner, fields: { conversationId: string; epoch: string; lastSeq: number; firstHeld: number; heldBytes: number; checkpointedSeq: number }) {
    this.#owner = owner;
    this.conversationId = fields.conversationId;
    this.epoch = fields.epoch;
    this.#lastSeq = fields.lastSeq;
    this.#firstHeld = fields.firstHeld;
    this.#heldBytes = fields.heldBytes;
    this.#checkpointedSeq = fields.checkpointedSeq;
    this.#recentFrom = fields.lastSeq + 1;
    this.#wirePrefix = `,"conversationId":${JSON.stringify(fields.conversationId)},`;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get checkpointDue(): boolean {
    return this.#backlogBytes > this.#owner.checkpointBytes;
  }

  async claim(fence: Fence): Promise<void> {
    if ((this.#claims.get(fence.runId) ?? 0) > fence.attempt) throw staleFence(fence);
    this.#claims.set(fence.runId, fence.attempt);
  }

  append(drafts: EventDraft[], fence?: Fence): Promise<ConfabEvent[]> {
    if (drafts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => this.#owner.enqueue({ log: this, drafts, fence, resolve, reject }));
  }

  /** Why an append may not be written now (checked when its transaction is built), if it may not. */
  refusal(fence: Fence | undefined): Error | undefined {
    if (this.#closed) return new Error(`the log of ${this.conversationId} is closed`);
    if (fence && this.#claims.get(fence.runId) !== fence.attempt) return staleFence(fence);
    return undefined;
  }

  /**
   * The event's wire JSON from its stored body: exactly what `JSON.stringify` gives for an event
   * object with the keys in envelope order (seq, cursor, conversationId, runId, type, at, data).
   */
  wireJson(seq: number, body: string): string {
    return `{"seq":${seq},"cursor":${JSON.stringify(`${this.epoch}.${seq}`)}${this.#wirePrefix}${body.slice(1)}`;
  }

  /** A stored event, its wire JSON remembered so the server does not encode it again. */
  #stored(row: JournalRow): ConfabEvent {
    const json = this.wireJson(row.seq, row.body);
    const event = JSON.parse(json) as ConfabEvent;
    rememberEncoding(event, json);
    return event;
  }

  /** Called by the owner once `events` are stored: they become this log's and go to every listener. */
  deliver(events: ConfabEvent[], bytes: number): void {
    const last = events.at(-1)!.seq;
    this.#lastSeq = last;
    this.#heldBytes += bytes;
    this.#backlog.push({ seq: last, bytes });
    this.#backlogBytes += bytes;
    if (this.#backlog.length > maxBacklogEntries) this.#backlog = mergePairs(this.#backlog);
    for (const event of events) {
      if (!runEndTypes.has(event.type)) continue;
      this.#runEnds.push(event.seq);
      if (this.#runEnds.length > this.#owner.retention.runs + 1) this.#runEnds.shift();
    }
    for (const event of events) this.#recent.push(encodeEvent(event));
    if (this.#recent.length > 2 * recentLimit) this.#recent = this.#recent.slice(-recentLimit);
    this.#recentFrom = last + 1 - this.#recent.length;
    for (const listening of this.#listeners) {
      if (listening.buffered) listening.buffered.push(...events);
      else this.#give(listening, events);
    }
  }

  async read(after: number): Promise<ConfabEvent[] | undefined> {
    const through = this.#lastSeq;
    if (after > through || after + 1 < this.#firstHeld) return undefined;
    if (after === through) return [];
    if (after + 1 >= this.#recentFrom) return this.#recent.slice(after + 1 - this.#recentFrom).map(recentEvent);
    const rows = await this.#owner.journal.read(this.conversationId, after);
    return this.#contiguous(rows, after, through);
  }

  /** The rows after+1..through, in order and without a hole (a trim may have raced the read), as events. */
  #contiguous(rows: JournalRow[], after: number, through: number): ConfabEvent[] | undefined {
    const events: ConfabEvent[] = [];
    for (const row of rows) {
      if (row.seq > through) break;
      if (row.seq !== after + 1 + events.length) return undefined;
      events.push(this.#stored(row));
    }
    return events.length === through - after ? events : undefined;
  }

  async subscribe(after: number | undefined, listener: LogListener): Promise<LogSubscription> {
    const listening = new Listening(this, listener, this.#lastSeq);
    this.#listeners.push(listening);
    if (after === undefined || after === this.#lastSeq) return listening;
    // Deliveries during the read wait in `buffered`; whatever the read also returned is skipped.
    listening.buffered = [];
    const replay = await this.read(after).catch((error: unknown) => {
      this.#owner.onError(error);
      return undefined;
    });
    const buffered = listening.buffered;
    listening.buffered = undefined;
    if (replay === undefined) {
      listener.gap();
      // Live events only from here: those that arrived during the read, then the next ones.
      listening.seq = buffered.length > 0 ? buffered[0]!.seq - 1 : this.#lastSeq;
    } else {
      listening.seq = after;
      this.#give(listening, replay);
    }
    this.#give(listening, buffered);
    return listening;
  }

  /** Removes a listener (its `close`). */
  unlisten(listening: Listening): void {
    this.#listeners = this.#listeners.filter((candidate) => candidate !== listening);
  }

  #give(listening: Listening, events: ConfabEvent[]): void {
    const fresh = events.length > 0 && events[0]!.seq <= listening.seq ? events.filter((event) => event.seq > listening.seq) : events;
    if (fresh.length === 0) return;
    listening.seq = fresh.at(-1)!.seq;
    try {
      listening.listener.events(fresh);
    } catch (error) {
      this.#owner.onError(error);
    }
  }

  checkpointed(seq: number): Promise<void> {
    if (seq > this.#checkpointedSeq) {
      this.#checkpointedSeq = Math.min(seq, this.#lastSeq);
      while (this.#backlog.length > 0 && this.#backlog[0]!.seq <= seq) this.#backlogBytes -= this.#backlog.shift()!.bytes;
    }
    this.#compacting = this.#compacting.then(() => this.#compact()).catch((error: unknown) => this.#owner.onError(error));
    return this.#compacting;
  }

  /** Drops what the retention no longer needs and the records cover. */
  async #compact(): Promise<void> {
    const { retention, journal } = this.#owner;
    let cut = this.#lastSeq - retention.events;
    if (this.#runEnds.length > retention.runs) cut = Math.max(cut, this.#runEnds[this.#runEnds.length - 1 - retention.runs]!);
    if (this.#heldBytes > retention.bytes) cut = Math.max(cut, (await journal.cutForBytes(this.conversationId, retention.bytes)) ?? cut);
    cut = Math.min(cut, this.#checkpointedSeq);
    if (cut < this.#firstHeld) return;
    const dropped = await journal.trim(this.conversationId, cut);
    this.#firstHeld = Math.max(this.#firstHeld, cut + 1);
    this.#heldBytes = Math.max(0, this.#heldBytes - dropped);
  }

  /** The recent events go: a conversation nobody watches costs its state only (a replay reads the journal). */
  idle(): void {
    this.#recent = [];
    this.#recentFrom = this.#lastSeq + 1;
  }

  close(): void {
    this.#closed = true;
    this.#listeners = [];
    this.#recent = [];
    this.#recentFrom = this.#lastSeq + 1;
  }
}

