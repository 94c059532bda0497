/** What a load client needs from each system's wire protocol; one adapter per system under `protocols/`. */
import type { ClientInit } from './client-messages.ts';
import type { ClientStats, Watcher } from './watcher.ts';

export interface Protocol {
  /** Subscribes before the stream starts (WebSocket protocols); SSE protocols have nothing to do. */
  connect(watcher: Watcher): Promise<void>;
  /** Starts the stream; resolves with a handle other watchers need to join it, if any. */
  start(watcher: Watcher): Promise<string | undefined>;
  /** Joins a stream another watcher started (SSE protocols). */
  join(watcher: Watcher, handle: string): Promise<void>;
  /** Cuts the watcher's connection like a network loss. */
  drop(watcher: Watcher): void;
  /** Reconnects at the watcher's last position. */
  resume(watcher: Watcher): Promise<void>;
  close(): void;
}

export type ProtocolContext = { init: ClientInit; stats: ClientStats };

export const joinRetryMs = 25;
export const joinDeadlineMs = 5_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
