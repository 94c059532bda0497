import type { ConfabEvent, EventType } from '../../events/definitions.ts';
import { formatCursor } from '../../events/cursor.ts';
import type { Clock } from '../../util/clock.ts';
import type { ConversationLog, EventDraft, EventLog } from './event-log.ts';

/** In-process event log: a ring buffer of the last `capacity` events per conversation. */
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

  open(conversationId: string, options: { lastSeq: number }): ConversationLog {
    return new RingLog(conversationId, this.#newEpoch(), options.lastSeq, this.#capacity, this.#clock);
  }
}

class RingLog implements ConversationLog {
  readonly conversationId: string;
  readonly epoch: string;
  #lastSeq: number;
  readonly #ring: (ConfabEvent | undefined)[];
  readonly #clock: Clock;
  /** Seq of the oldest event still held. */
  #firstHeld: number;

  constructor(conversationId: string, epoch: string, lastSeq: number, capacity: number, clock: Clock) {
    this.conversationId = conversationId;
    this.epoch = epoch;
    this.#lastSeq = lastSeq;
    this.#firstHeld = lastSeq + 1;
    this.#ring = new Array(capacity);
    this.#clock = clock;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  append<T extends EventType>(draft: EventDraft<T>): ConfabEvent {
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
    this.#ring[seq % this.#ring.length] = event;
    if (seq - this.#firstHeld >= this.#ring.length) this.#firstHeld = seq - this.#ring.length + 1;
    return event;
  }

  readAfter(seq: number): ConfabEvent[] | undefined {
    if (seq > this.#lastSeq || seq + 1 < this.#firstHeld) return undefined;
    const events: ConfabEvent[] = [];
    for (let next = seq + 1; next <= this.#lastSeq; next++) events.push(this.#ring[next % this.#ring.length]!);
    return events;
  }

  close(): void {
    this.#ring.fill(undefined);
  }
}
