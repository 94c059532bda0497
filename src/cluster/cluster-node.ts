import { randomBytes } from 'node:crypto';
import { ConfabError } from '../domain/errors.ts';
import { Pool } from 'pg';
import { PgBoss } from 'pg-boss';
import { createClient } from 'redis';
import { RedisCatalogBus } from '../catalog/redis-catalog-bus.ts';
import type { ApprovalOptions } from '../engine/approvals/approval-gate.ts';
import type { EngineObserver } from '../engine/engine-observer.ts';
import { RedisEventLog } from '../engine/event-log/redis-event-log.ts';
import { defaultLimits, type ClusterHubOptions, type HubLimits } from '../engine/hub-options.ts';
import { RedisRunControl } from '../engine/run-control/redis-run-control.ts';
import { PgBossRunQueue, pgBossOptions } from '../engine/run-queue/pg-boss-run-queue.ts';
import type { RunQueue } from '../engine/run-queue/run-queue.ts';
import type { ModelResolver } from '../engine/run/run-context.ts';
import { SessionHub } from '../engine/session-hub.ts';
import { PostgresStore } from '../store/postgres/postgres-store.ts';
import { lockDatabase } from '../store/postgres/postgres-server-lock.ts';
import { systemClock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { ClusterSettings } from './cluster-settings.ts';
import { ApprovalExpiryQueue } from './approval-expiry-queue.ts';
import { migrateCluster } from './migrate.ts';

export type ClusterNodeOptions = ClusterSettings & {
  models: ModelResolver;
  logger: Logger;
  /** Execute runs here (a worker), with this many at once; `false`: only queue them (an API node with `--no-worker`). */
  worker: { concurrency: number } | false;
  observer?: EngineObserver;
  limits?: Partial<HubLimits>;
  approvals?: ApprovalOptions;
  cluster?: ClusterHubOptions;
  /** pg-boss settings (tests shorten them). */
  queue?: { heartbeatSeconds?: number; maxRunSeconds?: number; maxAttempts?: number };
};

export type ClusterNode = {
  hub: SessionHub;
  /** Lets this node's runs finish (within the hub's grace), then closes the hub and every connection. */
  close(): Promise<void>;
};

/**
 * One node of a Confab cluster: the hub on the shared Postgres store, the Redis conversation log
 * and run control, and the pg-boss run queue. Applies the schema first (`migrate.ts`). With a
 * worker it takes runs from the queue; without one it only queues them. The caller serves HTTP on
 * the hub (an API node) or not (`confab worker`). On failure, closes what it opened and throws.
 */
export async function openClusterNode(options: ClusterNodeOptions): Promise<ClusterNode> {
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => options.logger.warn('could not close a cluster connection', { error }));
  };
  try {
    await migrateCluster(options.databaseUrl);
    // Shared with the other nodes; a single `confab serve --database-url` (no Redis) holds it alone.
    const databaseLock = await lockDatabase(options.databaseUrl, 'shared', options.logger);
    closers.push(() => databaseLock.release());
    const pool = new Pool({ connectionString: options.databaseUrl, max: 10 });
    pool.on('error', (error) => options.logger.warn('Postgres connection error', { error }));
    const store = new PostgresStore({ pool });
    closers.push(() => store.close());
    await store.init();

    const redis = createClient({ url: options.redisUrl });
    redis.on('error', (error: unknown) => options.logger.warn('Redis connection error', { error }));
    closers.push(() => redis.close());
    await redis.connect();
    const subscriber = redis.duplicate();
    subscriber.on('error', (error: unknown) => options.logger.warn('Redis subscriber connection error', { error }));
    closers.push(() => subscriber.close());
    await subscriber.connect();
    const limits = { ...defaultLimits, ...options.limits };
    const eventLog = new RedisEventLog({
      redis,
      subscriber,
      clock: systemClock,
      capacity: limits.logCapacity,
      newEpoch: () => randomBytes(6).toString('base64url'),
      keyPrefix: options.redisKeyPrefix,
      logger: options.logger,
    });
    closers.push(async () => eventLog.close());
    const runControl = new RedisRunControl({ redis, subscriber, keyPrefix: options.redisKeyPrefix, logger: options.logger });
    closers.push(async () => runControl.close());
    // Catalog changes of every node reach the catalog watchers of every API node.
    const catalogBus = new RedisCatalogBus({ redis, subscriber, keyPrefix: options.redisKeyPrefix, logger: options.logger });
    closers.push(() => catalogBus.close());

    const boss = new PgBoss(pgBossOptions(options.databaseUrl, { max: 4 }));
    boss.on('error', (error: unknown) => options.logger.warn('pg-boss error', { error }));
    await boss.start();
    closers.push(() => boss.stop({ graceful: false, close: true }));
    let hub: SessionHub | undefined;
    const queue = await PgBossRunQueue.create({
      boss,
      concurrency: options.worker ? options.worker.concurrency : 1,
      heartbeatSeconds: options.queue?.heartbeatSeconds,
      maxRunSeconds: options.queue?.maxRunSeconds,
      maxAttempts: options.queue?.maxAttempts,
      onAbandoned: async (job, attempt) => hub?.abandonRun(job, attempt),
    });
    const runQueue: RunQueue = options.worker ? queue : queueOnly(queue);
    const approvalExpiry = await ApprovalExpiryQueue.create({ boss, logger: options.logger, expire: (job) => expireApproval(hub, job, options.logger) });
    hub = new SessionHub({
      store,
      models: options.models,
      eventLog,
      runQueue,
      runControl,
      logger: options.logger,
      observer: options.observer,
      catalogBus,
      limits: options.limits,
      approvals: options.approvals,
      cluster: { ...options.cluster, approvalExpiry },
    });
    await hub.start();
    const opened = hub;
    return {
      hub,
      async close() {
        await opened.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The queue as an API node without a worker uses it: it queues runs and never takes one. */
function queueOnly(queue: RunQueue): RunQueue {
  return {
    setWorker: () => {},
    push: (job, options) => queue.push(job, options),
    remove: (runId) => queue.remove(runId),
    waiting: (conversationId) => queue.waiting(conversationId),
    close: async () => {},
  };
}

/** The expiry job's work: an approval gone with its conversation has nothing left to expire. */
async function expireApproval(hub: SessionHub | undefined, job: { conversationId: string; approvalId: string }, logger: Logger): Promise<void> {
  if (!hub) throw new Error('the node is still starting');
  await hub.expireApproval(job.conversationId, job.approvalId).catch((error: unknown) => {
    if (!ConfabError.is(error, 'not_found')) throw error;
    logger.info('an approval to expire is gone with its conversation', { approvalId: job.approvalId });
  });
}
