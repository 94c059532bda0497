import type { ConfabEvent } from '../events/definitions.ts';
import type { LogListener, LogSubscription } from './event-log/event-log.ts';

/** Where a subscription's events come from: it makes the snapshots and is told when the subscription closes. */
export type SubscriptionSource = {
  snapshot(): ConfabEvent;
  unsubscribed(subscription: Subscription): void;
};

/**
 * One subscriber's view of a conversation: a bounded queue between the hub (which pushes every
 * event synchronously) and a consumer (a socket, an SSE stream, a test) that drains at its own pace.
 *
 * When the consumer falls more than `limit` events behind, the queue is dropped and replaced by a
 * single snapshot taken when the consumer next reads, so memory stays bounded and the consumer
 * still ends with exactly the right state.
 *
 * Consumers either iterate (`for await`) or, for transports that batch writes, set `onReadable`
 * and call `take()` to drain everything ready in one go. The subscription is itself the listener of
 * the log that feeds it (no closures held per subscriber: an idle watcher costs little).
 */
export class Subscription implements AsyncIterable<ConfabEvent>, LogListener {
  readonly conversationId: string;
  /** Called when the queue goes from empty to non-empty (or the subscription ends). */
  onReadable: (() => void) | undefined;
  /** The log subscription feeding this one, closed with it. */
  feed: LogSubscription | undefined;
  /** The server's own relay of a run's events to the thread executing it (not counted as a watcher). */
  relay = false;
  readonly #limit: number;
  readonly #source: SubscriptionSource;
  #queue: ConfabEvent[] = [];
  #needsSnapshot = false;
  #ending = false;
  #closed = false;
  #waiter: (() => void) | undefined;
  /** Times this subscriber overflowed and was cut over to a snapshot. */
  overflows = 0;

  constructor(options: { conversationId: string; limit: number; source: SubscriptionSource }) {
    this.conversationId = options.conversationId;
    this.#limit = options.limit;
    this.#source = options.source;
  }

  /** LogListener: events from the log, in order. */
  events(events: ConfabEvent[]): void {
    for (const event of events) this.push(event);
  }

  /** LogListener: the log no longer holds what follows this subscriber's seq. */
  gap(): void {
    this.requestSnapshot();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Events waiting to be read (a pending snapshot counts as one). */
  get pending(): number {
    return this.#queue.length + (this.#needsSnapshot ? 1 : 0);
  }

  push(event: ConfabEvent): void {
    if (this.#closed || this.#ending || this.#needsSnapshot) return;
    if (this.#queue.length >= this.#limit) {
      this.#queue = [];
      this.#needsSnapshot = true;
      this.overflows++;
      return;
    }
    this.#queue.push(event);
    if (this.#queue.length === 1) this.#notify();
  }

  /** Asks for a snapshot as the next thing read, replacing anything queued. */
  requestSnapshot(): void {
    if (this.#closed || this.#ending) return;
    const wasEmpty = this.pending === 0;
    this.#queue = [];
    this.#needsSnapshot = true;
    if (wasEmpty) this.#notify();
  }

  /** Delivers what is queued, then ends (used when the conversation is deleted). */
  end(): void {
    if (this.#closed) return;
    this.#ending = true;
    this.#notify();
    if (this.pending === 0) this.close();
  }

  /** Everything ready now, in order. */
  take(): ConfabEvent[] {
    let events: ConfabEvent[];
    if (this.#needsSnapshot) {
      this.#needsSnapshot = false;
      events = [this.#source.snapshot()];
    } else {
      events = this.#queue;
      this.#queue = [];
    }
    if (this.#ending && this.pending === 0) queueMicrotask(() => this.close());
    return events;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#needsSnapshot = false;
    this.feed?.close();
    this.feed = undefined;
    this.#source.unsubscribed(this);
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ConfabEvent> {
    try {
      while (true) {
        if (this.pending > 0) {
          for (const event of this.take()) yield event;
          continue;
        }
        if (this.#closed || this.#ending) return;
        await new Promise<void>((resolve) => (this.#waiter = resolve));
      }
    } finally {
      if (!this.#ending) this.close();
    }
  }

  #notify(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
    this.onReadable?.();
  }
}
