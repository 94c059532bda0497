/**
 * Messages a panel sent that the server has not acknowledged. The SDK already waits for the
 * connection and repeats a send with the same `clientRequestId` (the server then answers with the
 * first message instead of adding a second), but only for `requestTimeoutMs`. A longer outage must not
 * lose what the user wrote, nor send it twice: an entry that failed for a network reason waits here,
 * under the same id, and is sent again when the connection is open again. Entries go out one at a
 * time, in the order written. Errors from the server (too large, busy, no model) are final and shown.
 */
import { ConfabClientError, type ContextInput } from '../../../../src/client/index.ts';
import type { OutboxView } from '../shared/messages.ts';

export type OutboxOptions = {
  /** Sends one entry; resolves once the server acknowledged it (a durable message and run). */
  deliver(entry: OutboxView): Promise<void>;
  newRequestId(): string;
  onChange(): void;
  describe(error: unknown): string;
  /** Entries kept at once (default 20, the server's default queue per conversation). */
  maxEntries?: number;
};

const transientCodes = new Set(['network', 'timeout', 'closed']);

export class OutboxFullError extends Error {}

export class Outbox {
  readonly #options: OutboxOptions;
  readonly #maxEntries: number;
  #entries: OutboxView[] = [];
  #pumping = false;

  constructor(options: OutboxOptions) {
    this.#options = options;
    this.#maxEntries = options.maxEntries ?? 20;
  }

  get entries(): readonly OutboxView[] {
    return this.#entries;
  }

  /** Queues a message; throws `OutboxFullError` when `maxEntries` are already waiting. */
  submit(content: string, context: ContextInput[]): OutboxView {
    if (this.#entries.length >= this.#maxEntries) {
      throw new OutboxFullError(`${this.#maxEntries} messages are already waiting to be sent; wait for the connection or discard some.`);
    }
    // Behind an entry that waits for the connection, a new one waits too: order is kept.
    const waiting = this.#entries.some((entry) => entry.state === 'waiting');
    const entry: OutboxView = { clientRequestId: this.#options.newRequestId(), content, context, state: waiting ? 'waiting' : 'sending', error: null };
    this.#entries = [...this.#entries, entry];
    this.#options.onChange();
    void this.#pump();
    return entry;
  }

  /** The connection is open (again): send what waited. */
  connectionOpened(): void {
    if (!this.#entries.some((entry) => entry.state === 'waiting')) return;
    this.#update((entry) => (entry.state === 'waiting' ? { ...entry, state: 'sending', error: null } : entry));
    void this.#pump();
  }

  /** Tries a failed entry again, with its original id. */
  retry(clientRequestId: string): void {
    this.#update((entry) => (entry.clientRequestId === clientRequestId && entry.state === 'failed' ? { ...entry, state: 'sending', error: null } : entry));
    void this.#pump();
  }

  /** Forgets a waiting or failed entry (one being sent cannot be called back). */
  discard(clientRequestId: string): void {
    const before = this.#entries.length;
    this.#entries = this.#entries.filter((entry) => entry.clientRequestId !== clientRequestId || entry.state === 'sending');
    if (this.#entries.length !== before) this.#options.onChange();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        const next = this.#entries.find((entry) => entry.state === 'sending');
        if (!next) return;
        try {
          await this.#options.deliver(next);
          this.#entries = this.#entries.filter((entry) => entry.clientRequestId !== next.clientRequestId);
          this.#options.onChange();
        } catch (error) {
          const message = this.#options.describe(error);
          if (ConfabClientError.is(error) && transientCodes.has(error.code)) {
            // Everything not yet sent waits with it, so that nothing overtakes it.
            this.#update((entry) => (entry.state === 'sending' ? { ...entry, state: 'waiting', error: entry === next ? message : null } : entry));
            return;
          }
          this.#update((entry) => (entry.clientRequestId === next.clientRequestId ? { ...entry, state: 'failed', error: message } : entry));
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  #update(change: (entry: OutboxView) => OutboxView): void {
    this.#entries = this.#entries.map(change);
    this.#options.onChange();
  }
}
