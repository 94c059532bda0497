import type { CatalogEvent, CatalogReloadReason } from '../events/catalog-definitions.ts';

/** Makes the `catalog-reload` event a watcher reads, current as of the feed's seq when it reads it. */
export type CatalogReload = (reason: CatalogReloadReason) => CatalogEvent;

/**
 * One watcher's view of the catalog feed: a bounded queue between the feed (which pushes every
 * event synchronously) and a consumer (a socket, an SSE stream) that drains at its own pace. A
 * watcher more than `limit` events behind loses its queue and reads one `catalog-reload` instead
 * (made when it next reads, at the feed's seq then), so memory stays bounded. Same shape as a
 * conversation `Subscription`: set `onReadable` and `take()` what is ready.
 */
export class CatalogSubscription {
  onReadable: (() => void) | undefined;
  readonly #limit: number;
  readonly #reload: CatalogReload;
  readonly #onClose: (subscription: CatalogSubscription) => void;
  #queue: CatalogEvent[] = [];
  #reloadReason: CatalogReloadReason | undefined;
  #closed = false;
  /** Times this watcher overflowed and was told to reload. */
  overflows = 0;

  constructor(options: { limit: number; reload: CatalogReload; onClose: (subscription: CatalogSubscription) => void }) {
    this.#limit = options.limit;
    this.#reload = options.reload;
    this.#onClose = options.onClose;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pending(): number {
    return this.#queue.length + (this.#reloadReason ? 1 : 0);
  }

  push(event: CatalogEvent): void {
    if (this.#closed || this.#reloadReason) return;
    if (this.#queue.length >= this.#limit) {
      this.overflows++;
      return this.requestReload('fell-behind');
    }
    const wasEmpty = this.#queue.length === 0;
    this.#queue.push(event);
    if (wasEmpty) this.onReadable?.();
  }

  /** Drops what is queued: the watcher reads one `catalog-reload` for `reason` next. */
  requestReload(reason: CatalogReloadReason): void {
    if (this.#closed) return;
    const wasEmpty = this.pending === 0;
    this.#queue = [];
    this.#reloadReason = reason;
    if (wasEmpty) this.onReadable?.();
  }

  /** Everything ready now, in order (a pending reload is made here, current as of the feed's seq now). */
  take(): CatalogEvent[] {
    const reason = this.#reloadReason;
    if (reason) {
      this.#reloadReason = undefined;
      return [this.#reload(reason)];
    }
    const events = this.#queue;
    this.#queue = [];
    return events;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#reloadReason = undefined;
    this.#onClose(this);
    this.onReadable?.();
  }
}
