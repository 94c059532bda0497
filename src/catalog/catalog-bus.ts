import type { CatalogChange } from '../events/catalog-definitions.ts';

/** What a run did, as the catalog hears it: the feed folds these into each conversation's `session-status`. */
export type RunPhase = 'queued' | 'running' | 'requires-action' | 'waiting' | 'ended';

/** A run's transition, told by the node that appended it; never sent to clients as such. */
export type RunPhaseChange = { type: 'run-phase'; at: number; data: { conversationId: string; runId: string; phase: RunPhase } };

/** What travels on the bus: a catalog change, or a run's transition. */
export type CatalogBusMessage = CatalogChange | RunPhaseChange;

export type CatalogBusListener = {
  /** One message, in the order its publisher published it. */
  message(message: CatalogBusMessage): void;
  /** Messages may have been lost (the bus reconnected): watchers must reload. */
  lost(): void;
};

/**
 * Carries catalog changes from every process that makes them (API nodes, run workers) to every
 * feed that serves watchers. Contract: `publish` resolves once the bus took the message (or rejects);
 * a subscriber hears every message published after its `subscribe` resolved, in each publisher's
 * order, or is told `lost`. Delivery is at most once: a lost message is reported, never replayed.
 * Async from the start: the Redis bus crosses processes.
 */
export interface CatalogBus {
  publish(message: CatalogBusMessage): Promise<void>;
  /** Resolves once listening; call the result to stop. */
  subscribe(listener: CatalogBusListener): Promise<() => void>;
}

/** The bus of one process (the embedded server): delivers on the next microtask, in order. */
export class MemoryCatalogBus implements CatalogBus {
  readonly #listeners = new Set<CatalogBusListener>();

  async publish(message: CatalogBusMessage): Promise<void> {
    for (const listener of [...this.#listeners]) listener.message(message);
  }

  async subscribe(listener: CatalogBusListener): Promise<() => void> {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
