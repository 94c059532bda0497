import { Worker } from 'node:worker_threads';
import { applyWrite, type SqliteWrite } from './sqlite-writes.ts';
import type { Statements } from './sqlite-statements.ts';

/**
 * Where the SQLite store and the journal write: one FIFO of writes (sqlite-writes.ts), each in its
 * own transaction, run in the order given. A write resolves once committed: in WAL mode with
 * `synchronous = NORMAL`, once it survives the process being killed.
 *
 * Reads stay on the main thread's connection. A read that must see earlier writes (every read of
 * the store does: the store behaves as if each write were done when it was called) awaits
 * `pending` first.
 */
export interface SqliteWriter {
  write(write: SqliteWrite): Promise<number>;
  /** Settles (never rejects) once every write given so far has settled; undefined when none is in flight. */
  readonly pending: Promise<void> | undefined;
  /** Settles what was given, then stops writing. */
  close(): Promise<void>;
}

/** Writes on the calling thread's connection, synchronously (nothing is ever in flight). */
export class InlineWriter implements SqliteWriter {
  readonly #statements: Statements;
  readonly pending = undefined;

  constructor(statements: Statements) {
    this.#statements = statements;
  }

  write(write: SqliteWrite): Promise<number> {
    try {
      return Promise.resolve(applyWrite(this.#statements, write));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {}
}

export type WorkerWriterOptions = {
  busyTimeoutMs: number;
  /** How often, at most, the writer thread runs a WAL checkpoint after writing. Default 1000 ms. */
  checkpointIntervalMs?: number;
  /** WAL pages past which a commit checkpoints on its own, should the periodic checkpoints fall behind. Default 10,000 (about 40 MB). */
  backstopPages?: number;
  /** The writer thread failed (its writes in flight are refused; the next write starts a new one). */
  onError?: (error: unknown) => void;
};

export type WriterRequest = { id: number; write: SqliteWrite } | { id: number; close: true };
export type WriterReply = { id: number; result: number } | { id: number; error: { message: string; name: string; code?: unknown; errcode?: unknown; errstr?: unknown } };

/** The worker module beside this one, with this module's extension: `.ts` from source, `.js` in the compiled package (dist/). */
const workerUrl = new URL(`./sqlite-writer-worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

type Waiting = { resolve: (result: number) => void; reject: (error: unknown) => void };

/**
 * Writes on a worker thread's own connection to the database file, so that neither the commits
 * (binding, B-tree and WAL writes) nor SQLite's WAL checkpoints (page copies, fsyncs) run on the
 * event loop. The records and journal entries are copied to the thread by `postMessage`, when the
 * write is called: the caller may change them afterwards. The thread runs a passive WAL checkpoint
 * at most every `checkpointIntervalMs`, after answering the write that made one due, so no
 * acknowledgement waits for it.
 */
export class WorkerWriter implements SqliteWriter {
  readonly #path: string;
  readonly #options: WorkerWriterOptions;
  #worker: Worker | undefined;
  #exited: Promise<void> = Promise.resolve();
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #last: { id: number; settled: Promise<void> } | undefined;
  #closed = false;
  #closing = false;

  /** Starts the thread now, so that it loads while the caller goes on; the first write does not wait for that. */
  constructor(path: string, options: WorkerWriterOptions) {
    this.#path = path;
    this.#options = options;
    this.#start();
  }

  get pending(): Promise<void> | undefined {
    return this.#last?.settled;
  }

  write(write: SqliteWrite): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('the SQLite writer is closed'));
    return this.#send((id) => ({ id, write }));
  }

  async close(): Promise<void> {
    if (this.#closed) return this.#exited;
    this.#closed = true;
    if (!this.#worker) return this.#exited;
    // Unreferenced once answered, the thread would let the process end while this waits for its exit.
    this.#worker.ref();
    this.#closing = true;
    await this.#send((id) => ({ id, close: true })).catch(() => {});
    await this.#exited;
  }

  #send(request: (id: number) => WriterRequest): Promise<number> {
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    const result = new Promise<number>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    try {
      worker.postMessage(request(id));
    } catch (error) {
      // Not cloneable: nothing was sent.
      this.#waiting.delete(id);
      return Promise.reject(error);
    }
    if (this.#waiting.size === 1) worker.ref();
    this.#last = { id, settled: result.then(noop, noop) };
    return result;
  }

  #start(): Worker {
    const worker = new Worker(workerUrl, {
      workerData: { path: this.#path, busyTimeoutMs: this.#options.busyTimeoutMs, checkpointIntervalMs: this.#options.checkpointIntervalMs ?? 1000, backstopPages: this.#options.backstopPages ?? 10_000 },
      execArgv: [],
      // The thread holds a connection and one message at a time: a small heap is plenty.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
    });
    worker.unref();
    let failure: unknown;
    worker.on('message', (reply: WriterReply) => this.#answer(worker, reply));
    worker.on('error', (error) => {
      failure = error;
      this.#options.onError?.(error);
    });
    this.#exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        if (this.#worker === worker) this.#worker = undefined;
        const error = failure ?? new Error(`the SQLite writer thread exited (code ${code})`);
        for (const waiting of this.#waiting.values()) waiting.reject(error);
        this.#waiting.clear();
        this.#last = undefined;
        resolve();
      }),
    );
    this.#worker = worker;
    return worker;
  }

  #answer(worker: Worker, reply: WriterReply): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0 && !this.#closing) worker.unref();
    if (this.#last?.id === reply.id) this.#last = undefined;
    if ('error' in reply) waiting.reject(Object.assign(new Error(reply.error.message), reply.error));
    else waiting.resolve(reply.result);
  }
}

function noop(): void {}
