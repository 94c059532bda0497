import { ConfabError } from '../domain/errors.ts';

/** Runs a worker executes at once unless told (`--concurrency`), and the most it may be told. */
export const defaultConcurrency = 8;
export const maxConcurrency = 256;

/** Where a cluster node finds the shared state; from flags, else the environment. */
export type ClusterSettings = {
  /** Postgres: the store and the pg-boss run queue. */
  databaseUrl: string;
  /** Redis: the conversation logs and run control. */
  redisUrl: string;
  /** Prefix of every Redis key and channel (no braces). Default `confab:`. */
  redisKeyPrefix: string;
};

/**
 * The cluster settings given by `--database-url` / `--redis-url` or `CONFAB_DATABASE_URL` /
 * `CONFAB_REDIS_URL` (and `CONFAB_REDIS_KEY_PREFIX`); undefined when neither URL is given (the
 * embedded default). One without the other is refused: a cluster needs both.
 */
export function clusterSettings(flags: { 'database-url'?: string; 'redis-url'?: string }, env: Record<string, string | undefined>): ClusterSettings | undefined {
  const storage = serveStorage(flags, env);
  if (storage.kind === 'sqlite') return undefined;
  if (storage.kind === 'postgres') throw new ConfabError('bad_request', 'A database URL was given without a Redis URL: a cluster needs both (--redis-url or CONFAB_REDIS_URL).');
  return storage.cluster;
}

/**
 * Where `confab serve` keeps its state: the embedded SQLite file (no URL), one Postgres database
 * of its own (`--database-url` alone: a single node with the journal in Postgres), or a cluster
 * (both URLs). A Redis URL alone is refused.
 */
export type ServeStorage = { kind: 'sqlite' } | { kind: 'postgres'; databaseUrl: string } | { kind: 'cluster'; cluster: ClusterSettings };

export function serveStorage(flags: { 'database-url'?: string; 'redis-url'?: string }, env: Record<string, string | undefined>): ServeStorage {
  const databaseUrl = flags['database-url'] ?? (env.CONFAB_DATABASE_URL || undefined);
  const redisUrl = flags['redis-url'] ?? (env.CONFAB_REDIS_URL || undefined);
  if (databaseUrl === undefined && redisUrl === undefined) return { kind: 'sqlite' };
  if (databaseUrl === undefined) throw new ConfabError('bad_request', 'A Redis URL was given without a database URL: a cluster needs both (--database-url or CONFAB_DATABASE_URL).');
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfabError('bad_request', `The database URL must start with postgres:// or postgresql://, got "${redact(databaseUrl)}".`);
  if (redisUrl === undefined) return { kind: 'postgres', databaseUrl };
  if (!/^rediss?:\/\//.test(redisUrl)) throw new ConfabError('bad_request', `The Redis URL must start with redis:// or rediss://, got "${redact(redisUrl)}".`);
  const redisKeyPrefix = env.CONFAB_REDIS_KEY_PREFIX || 'confab:';
  if (/[{}]/.test(redisKeyPrefix)) throw new ConfabError('bad_request', `CONFAB_REDIS_KEY_PREFIX cannot contain braces, got "${redisKeyPrefix}".`);
  return { kind: 'cluster', cluster: { databaseUrl, redisUrl, redisKeyPrefix } };
}

/** A URL with its password hidden, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
