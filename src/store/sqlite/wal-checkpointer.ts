import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';

export type WalCheckpointerOptions = {
  /** How often the worker checkpoints. Default 1 s: a page rewritten many times in that while (a conversation's newest events) is copied once. */
  intervalMs?: number;
  /** WAL pages after which the writer checkpoints on its own, should the worker fall behind. Default 10,000 (about 40 MB). */
  backstopPages?: number;
  busyTimeoutMs?: number;
  onError?: (error: unknown) => void;
};

/** The worker module beside this one, with this module's extension: `.ts` from source, `.js` in the compiled package (dist/). */
const workerUrl = new URL(`./wal-checkpoint-worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the connection that commits
 * checkpoints itself every 1,000 pages, and a checkpoint copies pages and syncs the files twice,
 * on the thread that happened to commit: with the event journal committing every event-loop turn
 * that is a few-millisecond stall about once a second under load. Here a worker thread with its
 * own connection checkpoints every `intervalMs`, and the main connection only does so past
 * `backstopPages` (if the worker fell behind or failed). The first write after a complete
 * checkpoint still syncs the WAL header on the writer (once per WAL cycle, not twice per
 * checkpoint). Opt-in (`CONFAB_JOURNAL_CHECKPOINT_WORKER=on`): on a quiet machine it lowered the
 * event-loop delay p99 but not its max, for 26 MB more memory (docs/benchmarks.md, "Durable event log").
 */
export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  /** Starts checkpointing `database`'s file; undefined for an in-memory database. */
  static start(database: DatabaseSync, options: WalCheckpointerOptions = {}): WalCheckpointer | undefined {
    const path = database.location();
    if (path === null || path === '') return undefined;
    const worker = new Worker(workerUrl, {
      workerData: { path, intervalMs: options.intervalMs ?? 1000, busyTimeoutMs: options.busyTimeoutMs ?? 5000 },
      execArgv: [],
    });
    worker.unref();
    worker.on('error', (error) => options.onError?.(error));
    database.exec(`PRAGMA wal_autocheckpoint = ${Math.trunc(options.backstopPages ?? 10_000)}`);
    return new WalCheckpointer(worker);
  }

  /** Stops the worker (it closes its connection) and resolves once it has exited. */
  async close(): Promise<void> {
    // Unreferenced, the worker would let the process end while this waits for it (exit 13).
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await this.#exited;
  }
}
