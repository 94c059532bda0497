import { randomBytes } from 'node:crypto';
import type { CatalogChange, CatalogEvent, CatalogReloadReason } from '../events/catalog-definitions.ts';
import { formatCursor, parseCursor } from '../events/cursor.ts';
import type { Clock } from '../util/clock.ts';
import type { CatalogBus, CatalogBusMessage } from './catalog-bus.ts';
import { CatalogSubscription } from './catalog-subscription.ts';
import { SessionStatusTracker } from './session-status.ts';

export type CatalogFeedLimits = {
  /** Events kept for resuming; a cursor older than these yields `catalog-reload` (`too-old`). */
  backlog: number;
  /** Events one watcher may have unread before it is told to reload instead (`fell-behind`). */
  watcherBuffer: number;
  /** Conversations with unfinished runs whose status is tracked. */
  trackedConversations: number;
};

export const defaultCatalogFeedLimits: CatalogFeedLimits = { backlog: 1_000, watcherBuffer: 1_000, trackedConversations: 10_000 };

/**
 * The catalog feed of one serving process: numbers the changes heard on the catalog bus (from this
 * process and, in a cluster, from every other), keeps the last `backlog` of them for resuming, and
 * fans them out to watchers. Cursors are `<epoch>.<seq>`; the epoch is new for every feed (every
 * server process), so a cursor lives as long as the process that issued it and its backlog window:
 * after a restart, on another node, or once evicted, a watcher gets `catalog-reload` and reloads
 * its lists (docs/protocol.md, "Catalog feed").
 */
export class CatalogFeed {
  readonly epoch: string;
  readonly #bus: CatalogBus;
  readonly #clock: Clock;
  readonly #limits: CatalogFeedLimits;
  readonly #statuses: SessionStatusTracker;
  readonly #watchers = new Set<CatalogSubscription>();
  /** The last `backlog` events, oldest first. */
  #backlog: CatalogEvent[] = [];
  #seq = 0;
  /** Every event with a seq above this is in the backlog. */
  #floor = 0;
  /** The seq when the bus last lost messages: a cursor up to it may have missed some. */
  #lostAt = -1;
  #listening: Promise<() => void> | undefined;

  constructor(options: { bus: CatalogBus; clock: Clock; limits?: Partial<CatalogFeedLimits>; epoch?: string }) {
    this.#bus = options.bus;
    this.#clock = options.clock;
    this.#limits = { ...defaultCatalogFeedLimits, ...options.limits };
    this.#statuses = new SessionStatusTracker(this.#limits.trackedConversations);
    this.epoch = options.epoch ?? randomBytes(6).toString('base64url');
  }

  get seq(): number {
    return this.#seq;
  }

  get watchers(): number {
    return this.#watchers.size;
  }

  /** Listens on the bus (once; the first watch waits for it). */
  start(): Promise<void> {
    if (!this.#listening) {
      const listening = (this.#listening = this.#bus.subscribe({ message: (message) => this.#receive(message), lost: () => this.#lost() }));
      // A bus that could not be reached is tried again by the next watch.
      listening.catch(() => {
        if (this.#listening === listening) this.#listening = undefined;
      });
    }
    return this.#listening.then(() => undefined);
  }

  /**
   * A watcher from after `after` (a cursor): the events after it when the backlog still holds them,
   * else one `catalog-reload` first; then live events. Close the subscription to leave.
   */
  async watch(after: string | undefined): Promise<CatalogSubscription> {
    await this.start();
    const subscription = new CatalogSubscription({
      limit: this.#limits.watcherBuffer,
      reload: (reason) => this.#reloadEvent(reason),
      onClose: (closed) => this.#watchers.delete(closed),
    });
    const missed = this.#replayable(after);
    if (typeof missed === 'string') subscription.requestReload(missed);
    else for (const event of missed) subscription.push(event);
    this.#watchers.add(subscription);
    return subscription;
  }

  /** Stops listening and ends every watcher. */
  async close(): Promise<void> {
    const stop = await this.#listening?.catch(() => undefined);
    stop?.();
    for (const watcher of [...this.#watchers]) watcher.close();
  }

  #replayable(after: string | undefined): CatalogEvent[] | CatalogReloadReason {
    const cursor = parseCursor(after);
    if (!cursor) return 'no-cursor';
    if (cursor.epoch !== this.epoch || cursor.seq > this.#seq) return 'other-epoch';
    if (cursor.seq <= this.#lostAt) return 'missed-changes';
    if (cursor.seq < this.#floor) return 'too-old';
    const missed = this.#backlog.filter((event) => event.seq > cursor.seq);
    return missed.length > this.#limits.watcherBuffer ? 'fell-behind' : missed;
  }

  #receive(message: CatalogBusMessage): void {
    if (message.type === 'run-phase') {
      const { conversationId, runId, phase } = message.data;
      const status = this.#statuses.apply(conversationId, runId, phase);
      return this.#emit({ type: 'session-status', at: message.at, data: { conversationId, status, runId } });
    }
    if (message.type === 'conversation-deleted') this.#statuses.forget(message.data.conversationId);
    this.#emit(message);
  }

  #emit(change: CatalogChange): void {
    const seq = ++this.#seq;
    const event = { feed: 'catalog', seq, cursor: formatCursor(this.epoch, seq), ...change } as CatalogEvent;
    this.#backlog.push(event);
    if (this.#backlog.length > this.#limits.backlog) this.#floor = this.#backlog.shift()!.seq;
    for (const watcher of this.#watchers) watcher.push(event);
  }

  /** The bus may have dropped changes: nothing before now can be resumed, and every watcher reloads. */
  #lost(): void {
    this.#backlog = [];
    this.#floor = this.#seq;
    this.#lostAt = this.#seq;
    for (const watcher of this.#watchers) watcher.requestReload('missed-changes');
  }

  #reloadEvent(reason: CatalogReloadReason): CatalogEvent {
    return { feed: 'catalog', seq: this.#seq, cursor: formatCursor(this.epoch, this.#seq), type: 'catalog-reload', at: this.#clock.now(), data: { reason } };
  }
}
