import type { ConstructorOptions, Db, Job, PgBoss } from 'pg-boss';
import type { RunJob, RunQueue, RunWorker } from './run-queue.ts';
import { placeNewRun, type Slot, type SlotWrite, takeOutRun } from './pg-boss-slots.ts';

export type PgBossRunQueueOptions = {
  /** A started PgBoss, made with `pgBossOptions()`; the caller starts and stops it. */
  boss: PgBoss;
  /** Runs this process executes at once (pg-boss `localConcurrency`). */
  concurrency: number;
  /** The pg-boss queue; every node of one cluster uses the same. Default `confab-runs`. */
  queueName?: string;
  /**
   * The longest a run may execute (pg-boss `expireInSeconds`). Past it pg-boss takes the claim
   * back, aborts the signal and dispatches the run again. Default 3600: pg-boss's own 900 s would
   * re-dispatch a long agent run while it still runs.
   */
  maxRunSeconds?: number;
  /** A worker that stops beating for this long is presumed dead (pg-boss minimum and default: 10). */
  heartbeatSeconds?: number;
  /** How often idle workers look for runs besides the NOTIFY that wakes them. Default 1. */
  pollingSeconds?: number;
  /**
   * Dispatches of one run before the queue gives up on it. Default 3. The dispatch after the last
   * calls `onAbandoned` instead of the worker and acknowledges the job, so a run that kills its
   * workers cannot block its conversation: pg-boss would fail the job, and a failed job blocks its key.
   */
  maxAttempts?: number;
  /** Told about a run given up after `maxAttempts` dispatches (to mark it interrupted, say). */
  onAbandoned?: (job: RunJob, attempt: number) => Promise<void>;
};

/**
 * PgBoss constructor options that make dispatch and crash recovery quick (see docs/scale-out.md):
 * NOTIFY wakes workers when a run is queued; supervision every second fails stale heartbeats and
 * expired runs, which pg-boss then dispatches again.
 */
export function pgBossOptions(connectionString: string, overrides: Partial<ConstructorOptions> = {}): ConstructorOptions {
  return { connectionString, useListenNotify: true, superviseIntervalSeconds: 1, monitorIntervalSeconds: 1, max: 10, ...overrides };
}

/** A slot changed under us (a worker took it): the transaction is rolled back and tried again. */
const slotTaken = Symbol('slot taken');
const maxTries = 5;

/**
 * The RunQueue on pg-boss, for workers in several processes. One job per run, `singletonKey` =
 * conversation id, on a `key_strict_fifo` queue: pg-boss dispatches a conversation's jobs one at a
 * time, in order, across every process. `push` and `remove` of one conversation are serialised by
 * an advisory lock and reorder runs among the waiting jobs (pg-boss-slots.ts). The attempt is
 * pg-boss's `retryCount + 1`; the signal is pg-boss's `job.signal` (aborted when the claim is lost).
 */
export class PgBossRunQueue implements RunQueue {
  readonly #boss: PgBoss;
  readonly #name: string;
  readonly #concurrency: number;
  readonly #pollingSeconds: number;
  readonly #maxAttempts: number;
  readonly #onAbandoned: PgBossRunQueueOptions['onAbandoned'];
  #working: Promise<unknown> | undefined;

  /** Creates (or updates the settings of) the pg-boss queue, then the RunQueue on it. */
  static async create(options: PgBossRunQueueOptions): Promise<PgBossRunQueue> {
    const queue = new PgBossRunQueue(options);
    const settings = {
      heartbeatSeconds: options.heartbeatSeconds ?? 10,
      expireInSeconds: options.maxRunSeconds ?? 3600,
      retryLimit: queue.#maxAttempts,
      retryDelay: 0,
      notify: true,
    };
    await options.boss.createQueue(queue.#name, { policy: 'key_strict_fifo', ...settings });
    await options.boss.updateQueue(queue.#name, settings);
    const created = await options.boss.getQueue(queue.#name);
    if (created?.policy !== 'key_strict_fifo') {
      throw new Error(`pg-boss queue ${queue.#name} has policy ${created?.policy}; runs need key_strict_fifo`);
    }
    return queue;
  }

  private constructor(options: PgBossRunQueueOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError('run queue concurrency must be at least 1');
    this.#boss = options.boss;
    this.#name = options.queueName ?? 'confab-runs';
    this.#concurrency = options.concurrency;
    this.#pollingSeconds = options.pollingSeconds ?? 1;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#onAbandoned = options.onAbandoned;
  }

  setWorker(worker: RunWorker): void {
    if (this.#working) throw new Error('PgBossRunQueue already has a worker');
    const options = {
      localConcurrency: this.#concurrency,
      batchSize: 1,
      pollingIntervalSeconds: this.#pollingSeconds,
      notifyPollingIntervalSeconds: this.#pollingSeconds,
    };
    this.#working = this.#boss.work<RunJob>(this.#name, options, async ([job]) => this.#execute(job!, worker));
  }

  async push(job: RunJob, options: { front?: boolean } = {}): Promise<void> {
    const data: RunJob = { conversationId: job.conversationId, runId: job.runId };
    await this.#inConversation(job.conversationId, async (db) => {
      const id = await this.#boss.send(this.#name, data, { singletonKey: job.conversationId, db });
      if (!id) throw new Error(`pg-boss did not queue run ${job.runId}`);
      await this.#write(placeNewRun(await this.#slots(job.conversationId, db), id, options.front === true), db);
    });
  }

  async remove(runId: string): Promise<boolean> {
    const [found] = await this.#boss.findJobs<RunJob>(this.#name, { data: { runId }, queued: true, limit: 1 });
    if (!found || found.state !== 'created') return false;
    const { conversationId } = found.data;
    return this.#inConversation(conversationId, async (db) => {
      const slots = await this.#slots(conversationId, db);
      const plan = takeOutRun(slots, runId);
      if (!plan) return false;
      // Rewriting the last slot with what it carries locks it while it still waits (an update only
      // touches jobs not yet active), so deleting it cannot delete a run a worker just took.
      await this.#write([...plan.writes, { id: plan.free, job: slots.at(-1)!.job }], db);
      await this.#boss.deleteJob(this.#name, plan.free, { db });
      return true;
    });
  }

  async waiting(conversationId: string): Promise<RunJob[]> {
    const jobs = await this.#boss.findJobs<RunJob>(this.#name, { key: conversationId, queued: true });
    // A `retry` job (a run whose worker died) is its key's next dispatch, ahead of `created` ones.
    const next = [...jobs.filter((job) => job.state === 'retry'), ...jobs.filter((job) => job.state === 'created')];
    return next.map(({ data }) => ({ conversationId: data.conversationId, runId: data.runId }));
  }

  async close(): Promise<void> {
    await this.#working?.catch(() => {});
    await this.#boss.offWork(this.#name, { wait: true });
  }

  async #execute(job: Job<RunJob>, worker: RunWorker): Promise<void> {
    const attempt = job.retryCount + 1;
    const run: RunJob = { conversationId: job.data.conversationId, runId: job.data.runId };
    try {
      if (attempt > this.#maxAttempts) await this.#onAbandoned?.(run, attempt);
      else await worker(run, { attempt, signal: job.signal });
    } catch {
      // The run's outcome is the engine's to record. Failing the job would block the conversation.
    } finally {
      this.#wakeWorkers();
    }
  }

  /**
   * pg-boss NOTIFYs when a job is queued, not when one completes, so the conversation's next run
   * would wait out a poll. Waking this process's workers makes the one finishing now fetch again
   * straight after its completion; other processes find the run at their next poll.
   */
  #wakeWorkers(): void {
    for (const worker of this.#boss.getWipData()) if (worker.name === this.#name) this.#boss.notifyWorker(worker.id);
  }

  /** The conversation's waiting (`created`) jobs in dispatch order. */
  async #slots(conversationId: string, db: Db): Promise<Slot[]> {
    const jobs = await this.#boss.findJobs<RunJob>(this.#name, { key: conversationId, queued: true, db });
    return jobs.filter((job) => job.state === 'created').map((job) => ({ id: job.id, job: job.data }));
  }

  async #write(writes: SlotWrite[], db: Db): Promise<void> {
    for (const write of writes) {
      const { updated } = await this.#boss.update(this.#name, write.job, { id: write.id, db });
      if (updated !== 1) throw slotTaken;
    }
  }

  /** Runs `work` in a transaction holding the conversation's advisory lock; retried when a slot was taken. */
  async #inConversation<T>(conversationId: string, work: (db: Db) => Promise<T>): Promise<T> {
    const database = this.#boss.getDb();
    if (!database.beginTransaction) throw new Error('PgBossRunQueue needs a pg-boss database that opens transactions');
    for (let tries = 1; ; tries++) {
      const transaction = await database.beginTransaction();
      try {
        await transaction.db.executeSql('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`confab-runs:${this.#name}:${conversationId}`]);
        const result = await work(transaction.db);
        await transaction.commit();
        return result;
      } catch (error) {
        await transaction.rollback();
        if (error !== slotTaken) throw error;
        if (tries === maxTries) throw new Error(`gave up reordering the runs of conversation ${conversationId} after ${maxTries} tries`);
      }
    }
  }
}
