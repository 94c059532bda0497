import type { CatalogEvent } from 'confab/client';
import { ConfabClientError } from 'confab/client';
import { client } from '../client.ts';

/**
 * Lists follow the catalog feed. Only while the feed is down (reconnecting, or refused by something
 * between us and the server) are they polled, and slowly: the feed's `catalog-reload` on reconnect
 * catches up anyway, so the poll only bounds how stale a list gets when the feed cannot be had.
 */
const fallbackPollMs = 30_000;

export type CatalogLinkOptions = {
  apply(event: CatalogEvent): void;
  /** Reads the lists again (the fallback poll). */
  poll(): void;
  unauthorized(): void;
};

/**
 * The page's catalog watch: its events go to `apply`, except while the lists load (`hold` …
 * `release`): those are applied after the load, which they may postdate.
 */
export class CatalogLink {
  readonly #options: CatalogLinkOptions;
  #started: Promise<void> | undefined;
  #held: CatalogEvent[] | undefined;
  #pollTimer: number | undefined;

  constructor(options: CatalogLinkOptions) {
    this.#options = options;
  }

  /** Opens the watch once; resolves at its first event (so a load after it misses no change), or once it cannot connect. */
  open(): Promise<void> {
    this.#started ??= new Promise<void>((started) => {
      const watch = client.watchCatalog();
      watch.onEvent((event) => {
        started();
        if (this.#held) this.#held.push(event);
        else this.#options.apply(event);
      });
      watch.onStatus((status) => {
        if (status === 'live') return this.#stopPolling();
        // The server cannot be reached: the first load goes ahead, to say so.
        started();
        if (ConfabClientError.is(watch.error, 'unauthorized')) return this.#options.unauthorized();
        this.#startPolling();
      });
      watch.ready.catch(() => started());
    });
    return this.#started;
  }

  hold(): void {
    this.#held ??= [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const event of held) this.#options.apply(event);
  }

  #startPolling(): void {
    if (this.#pollTimer !== undefined) return;
    this.#pollTimer = window.setInterval(() => {
      if (document.visibilityState === 'visible') this.#options.poll();
    }, fallbackPollMs);
  }

  #stopPolling(): void {
    window.clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }
}
