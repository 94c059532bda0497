import type { Fence } from '../engine/event-log/event-log.ts';
import type { Subscription } from '../engine/subscription.ts';

/**
 * The runs whose events a worker is fed (a machine worker's connection, a run thread's link): each
 * run's fence and its subscription, whose new events wake `onReadable`, so the owner relays them
 * in its next batch.
 */
export class RunFeeds {
  readonly #feeds = new Map<string, { fence: Fence; subscription: Subscription }>();
  readonly #onReadable: () => void;

  constructor(onReadable: () => void) {
    this.#onReadable = onReadable;
  }

  add(fence: Fence, subscription: Subscription): void {
    this.#feeds.set(fence.runId, { fence, subscription });
    subscription.onReadable = this.#onReadable;
    this.#onReadable();
  }

  remove(runId: string): void {
    const feed = this.#feeds.get(runId);
    if (feed) feed.subscription.onReadable = undefined;
    this.#feeds.delete(runId);
  }

  clear(): void {
    for (const runId of [...this.#feeds.keys()]) this.remove(runId);
  }

  values(): IterableIterator<{ fence: Fence; subscription: Subscription }> {
    return this.#feeds.values();
  }
}
