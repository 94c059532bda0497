import { UpstreamError } from '../providers/upstream-error.ts';

/** What the pool needs of an agent process. */
export interface PooledProcess {
  readonly alive: boolean;
  close(): void;
}

type Entry<P> = { process: P; key: string | null; busy: boolean; idleTimer: ReturnType<typeof setTimeout> | undefined; lastUsed: number };

/**
 * The agent processes of one provider, bounded: each holds one agent session (its key), at most
 * `max` at once. A turn takes the idle process already holding its session, else a new one; an
 * idle process is closed after `idleTimeoutMs`, or earlier to make room. When every process is
 * busy, a new turn is refused (`rate_limit`, retryable) instead of queueing without bound.
 */
export class ProcessPool<P extends PooledProcess> {
  readonly #entries = new Set<Entry<P>>();
  readonly #max: number;
  readonly #idleTimeoutMs: number;
  readonly #label: string;
  #tick = 0;

  constructor(options: { max: number; idleTimeoutMs: number; label: string }) {
    this.#max = options.max;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#label = options.label;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A process for the session `key` (null: a new session), marked busy until `release`. */
  acquire(key: string | null, create: () => P): { process: P; reused: boolean; release: (key: string | null) => void } {
    let entry = key === null ? undefined : [...this.#entries].find((candidate) => candidate.key === key && !candidate.busy && candidate.process.alive);
    const reused = entry !== undefined;
    if (!entry) {
      this.#prune();
      if (this.#entries.size >= this.#max) this.#evictIdle();
      if (this.#entries.size >= this.#max) {
        throw new UpstreamError({ code: 'rate_limit', message: `All ${this.#max} ${this.#label} agent processes are busy; try again when one is free.`, retryable: true });
      }
      entry = { process: create(), key, busy: true, idleTimer: undefined, lastUsed: 0 };
      this.#entries.add(entry);
    }
    clearTimeout(entry.idleTimer);
    entry.busy = true;
    const taken = entry;
    let released = false;
    return {
      process: taken.process,
      reused,
      release: (newKey) => {
        if (released) return;
        released = true;
        taken.busy = false;
        taken.key = newKey;
        taken.lastUsed = ++this.#tick;
        if (!taken.process.alive || newKey === null) return this.#remove(taken);
        taken.idleTimer = setTimeout(() => this.#remove(taken), this.#idleTimeoutMs);
        taken.idleTimer.unref?.();
      },
    };
  }

  closeAll(): void {
    for (const entry of [...this.#entries]) this.#remove(entry);
  }

  #prune(): void {
    for (const entry of [...this.#entries]) if (!entry.busy && !entry.process.alive) this.#remove(entry);
  }

  #evictIdle(): void {
    const idle = [...this.#entries].filter((entry) => !entry.busy).sort((a, b) => a.lastUsed - b.lastUsed)[0];
    if (idle) this.#remove(idle);
  }

  #remove(entry: Entry<P>): void {
    clearTimeout(entry.idleTimer);
    this.#entries.delete(entry);
    entry.process.close();
  }
}
