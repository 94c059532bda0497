import type { ConfabEvent } from '../../events/definitions.ts';
import { formatCursor } from '../../events/cursor.ts';
import type { Clock } from '../../util/clock.ts';
import { staleFence, type ConversationLog, type EventDraft, type EventLog, type Fence, type LogListener, type LogSubscription } from './event-log.ts';

/**
 * In-process event log: a ring buffer of the last `capacity` events per conversation. The ring
 * starts small and doubles up to `capacity` as events arrive: most live conversations are watched
 * but quiet, and a full-size ring each (10,000 slots, 80 KB) was a third of an idle connection's
 * memory in the bench's idle scenario.
 */
export class MemoryEventLog implements EventLog {
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #newEpoch: () => string;

  constructor(options: { clock: Clock; capacity: number; newEpoch: () => string }) {
    if (!(options.capacity >= 1)) throw new RangeError('event log capacity must be at least 1');
    this.#clock = options.clock;
    this.#capacity = options.capacity;
    this.#newEpoch = options.newEpoch;
  }

  async open(conversationId: string, options: { lastSeq: number }): Promise<ConversationLog> {
    return new RingLog(conversationId, this.#newEpoch(), options.lastSeq, this.#capacity, this.#clock);
  }

  /** Nothing survives the process. */
  async conversationsToRecover(): Promise<string[]> {
    return [];
  }

  get writes(): number {
    return 0;
  }
}

const initialRingSize = 64;

class RingLog implements ConversationLog {
  readonly conversationId: string;
  readonly epoch: string;
  readonly durable = false;
  readonly checkpointDue = false;
  #lastSeq: number;
  #ring: (ConfabEvent | undefined)[];
  readonly #capacity: number;
  readonly #clock: Clock;
  /** Seq of the oldest event still held. */
  #firstHeld: number;
  /** The current attempt of each run claimed on this log. */
  readonly #claims = new Map<string, number>();
  #listeners: LogListener[] = [];

  constructor(conversationId: string, epoch: string, lastSeq: number, capacity: number, clock: Clock) {
    this.conversationId = conversationId;
    this.epoch = epoch;
    this.#lastSeq = lastSeq;
    this.#firstHeld = lastSeq + 1;
    this.#capacity = capacity;
    this.#ring = new Array(Math.min(capacity, initialRingSize));
    this.#clock = clock;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The ring drops events by capacity alone. */
  async checkpointed(): Promise<void> {}

  async claim(fence: Fence): Promise<void> {
    if ((this.#claims.get(fence.runId) ?? 0) > fence.attempt) throw staleFence(fence);
    this.#claims.set(fence.runId, fence.attempt);
  }

  async append(drafts: EventDraft[], fence?: Fence): Promise<ConfabEvent[]> {
    if (fence && this.#claims.get(fence.runId) !== fence.attempt) throw staleFence(fence);
    const events = drafts.map((draft) => this.#appendOne(draft));
    for (const listener of this.#listeners) listener.events(events);
    return events;
  }

  #appendOne(draft: EventDraft): ConfabEvent {
    const seq = ++this.#lastSeq;
    const event = {
      seq,
      cursor: formatCursor(this.epoch, seq),
      conversationId: this.conversationId,
      runId: draft.runId,
      type: draft.type,
      at: this.#clock.now(),
      data: draft.data,
    } as ConfabEvent;
    if (seq - this.#firstHeld >= this.#ring.length) {
      if (this.#ring.length < this.#capacity) this.#grow();
      else this.#firstHeld = seq - this.#ring.length + 1;
    }
    this.#ring[seq % this.#ring.length] = event;
    return event;
  }

  /** Doubles the ring (up to capacity), keeping every event held; called when it is full. */
  #grow(): void {
    const ring: (ConfabEvent | undefined)[] = new Array(Math.min(this.#capacity, this.#ring.length * 2));
    for (let seq = this.#firstHeld; seq < this.#lastSeq; seq++) ring[seq % ring.length] = this.#ring[seq % this.#ring.length];
    this.#ring = ring;
  }

  async read(after: number): Promise<ConfabEvent[] | undefined> {
    return this.#held(after);
  }

  #held(after: number): ConfabEvent[] | undefined {
    if (after > this.#lastSeq || after + 1 < this.#firstHeld) return undefined;
    const events: ConfabEvent[] = [];
    for (let next = after + 1; next <= this.#lastSeq; next++) events.push(this.#ring[next % this.#ring.length]!);
    return events;
  }

  async subscribe(after: number | undefined, listener: LogListener): Promise<LogSubscription> {
    if (after !== undefined) {
      const replay = this.#held(after);
      if (replay === undefined) listener.gap();
      else if (replay.length > 0) listener.events(replay);
    }
    this.#listeners.push(listener);
    return { close: () => (this.#listeners = this.#listeners.filter((candidate) => candidate !== listener)) };
  }

  close(): void {
    this.#ring.fill(undefined);
    this.#listeners = [];
  }
}

