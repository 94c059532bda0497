/**
 * A Confab cluster of real processes for tests: `confab serve` API nodes and `confab worker`
 * processes on 127.0.0.1, sharing a throwaway Postgres database (made for the cluster, dropped at
 * the end) and Redis under a key prefix of its own (deleted at the end), against one fake OpenAI
 * upstream, with a project `demo` in a fresh directory.
 *
 *   const cluster = await startCluster();                 // or a skip reason (string) without Postgres/Redis
 *   const a = await cluster.serve(['--no-worker']);
 *   const w = await cluster.worker();
 *   cluster.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hi' }] });
 *   ...
 *   await cluster.close();                                // kills what it started, drops the database
 *
 * Every node gets the same token (`testToken`) and the fake provider config; the pg-boss queue
 * keeps its production settings (10 s heartbeats), so a killed worker's run is dispatched again
 * 10-12 s later.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../../src/store/postgres/postgres-test-database.ts';
import { connectTestRedis, type TestRedis } from '../../src/engine/redis/redis-test-connection.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { makeProjectDir } from './hub-fixture.ts';
import { fakeProviderConfig, spawnConfab, spawnServe, testToken, type SpawnedConfab, type SpawnedServe } from './server-fixture.ts';

/** A node starts in a few seconds, much longer on a machine loaded by parallel test files. */
const startTimeoutMs = 120_000;

export type TestCluster = {
  database: TestDatabase;
  redis: TestRedis;
  upstream: FakeUpstream;
  projectDir: string;
  /** The environment every node gets. */
  env: Record<string, string>;
  /** Starts an API node (`confab serve` with the cluster's URLs and these extra arguments). */
  serve(args?: string[]): Promise<SpawnedServe>;
  /** Starts `confab worker` with these extra arguments. */
  worker(args?: string[]): Promise<SpawnedConfab>;
  /** SIGKILLs every process it started that still runs, drops the database, deletes the Redis keys. */
  close(): Promise<void>;
};

export async function startCluster(): Promise<TestCluster | string> {
  const postgres = await postgresUnavailable();
  if (postgres) return postgres;
  const redis = await connectTestRedis();
  if (typeof redis === 'string') return redis;
  const database = await createTestDatabase('confab_cluster');
  const upstream = await startOpenAIUpstream();
  const project = await makeProjectDir();
  const root = await mkdtemp(join(tmpdir(), 'confab-cluster-'));
  const configPath = join(root, 'config.json');
  await writeFile(configPath, JSON.stringify(fakeProviderConfig(upstream.url)));
  const env = { CONFAB_DATABASE_URL: database.url, CONFAB_REDIS_URL: redis.url, CONFAB_REDIS_KEY_PREFIX: redis.prefix, CONFAB_TOKEN: testToken, CONFAB_LOG_LEVEL: 'error' };
  const started: SpawnedConfab[] = [];
  let nodes = 0;
  return {
    database,
    redis,
    upstream,
    projectDir: project.path,
    env,
    async serve(args = []) {
      const dataDir = join(root, `node-${++nodes}`);
      const node = await spawnServe({ dataDir, env, args: ['--config', configPath, ...args], timeoutMs: startTimeoutMs });
      started.push(node);
      return node;
    },
    async worker(args = []) {
      const worker = await spawnConfab(['worker', '--config', configPath, ...args], { env, timeoutMs: startTimeoutMs });
      if (!/^Confab worker running/.test(worker.firstLine)) throw new Error(`unexpected first line from confab worker: ${worker.firstLine}`);
      started.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(started.map((process) => process.kill('SIGKILL')));
      await upstream.close();
      await project.cleanup();
      await rm(root, { recursive: true, force: true });
      await database.drop();
      await redis.close();
    },
  };
}

/** An authorised JSON request to a node (`testToken`); throws with the answer unless it is 2xx. */
export async function nodeApi(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const headers = { authorization: `Bearer ${testToken}`, 'content-type': 'application/json' };
  const response = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
