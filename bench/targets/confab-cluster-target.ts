/**
 * Confab scaled out, for bench/scale-out/cluster-latency.ts: API nodes (`confab serve --no-worker`)
 * and one `confab worker`, on a throwaway Postgres database and a private Redis (persistence off),
 * so the commands counted are this cluster's alone. With two API nodes (the default) messages are
 * sent through the first and watched through the second, as the issue's scenario has it; with one,
 * both go through it. Every token crosses processes: the worker reads the upstream and appends to
 * Redis; the watchers' node delivers what Redis publishes. `counters()` reads Redis's commands and
 * the database's committed transactions, for "commands per 1000 tokens".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { createTestDatabase } from '../../src/store/postgres/postgres-test-database.ts';
import { requestJson } from '../clients/http-request.ts';
import { startBenchRedis } from '../measure/redis-stats.ts';
import { benchLimits } from './confab-target.ts';
import { spawnServer } from './spawn-server.ts';
import { mapLimited, type Target, type TargetContext } from './target.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export type ClusterTarget = Target & { counters(): Promise<{ redisCommands: number; postgresTransactions: number }> };

export async function startConfabCluster(context: TargetContext, options: { apiNodes?: 1 | 2 } = {}): Promise<ClusterTarget> {
  const apiNodes = options.apiNodes ?? 2;
  const dataDir = resolve(context.workDir, `confab-cluster-${Date.now()}`);
  const projectDir = join(dataDir, 'project');
  mkdirSync(projectDir, { recursive: true });
  const configPath = join(dataDir, 'confab.json');
  writeFileSync(configPath, JSON.stringify({ providers: { bench: { type: 'openai-compatible', baseURL: `${context.upstreamUrl}/v1`, models: ['m'] } }, defaultModel: 'bench/m' }));
  const token = `bench-${Math.random().toString(36).slice(2)}`;
  const redis = await startBenchRedis();
  const database = await createTestDatabase('confab_bench');
  const env = {
    CONFAB_TOKEN: token,
    CONFAB_BENCH_METRICS: '1',
    CONFAB_BENCH_LIMITS: JSON.stringify(benchLimits),
    CONFAB_LOG_LEVEL: 'error',
    CONFAB_DATABASE_URL: database.url,
    CONFAB_REDIS_URL: redis.url,
  };
  const stops: (() => Promise<void>)[] = [() => database.drop(), () => redis.stop()];
  const stop = async () => {
    for (const close of stops.splice(0).reverse()) await close().catch(() => {});
  };
  try {
    const apis = [];
    for (let n = 0; n < apiNodes; n++) {
      const api = await spawnServer({
        command: process.execPath,
        args: ['src/cli/main.ts', 'serve', '--port', '0', '--no-worker', '--data-dir', join(dataDir, `api-${n}`), '--config', configPath],
        cwd: repoRoot,
        env,
        ready: /running at (http:\/\/[^/\s]+)/,
        timeoutMs: 60_000,
      });
      stops.push(() => api.stop(10_000));
      apis.push(api);
    }
    const [sender, watched] = [apis[0]!, apis.at(-1)!];
    const worker = await spawnServer({
      command: process.execPath,
      args: ['src/cli/main.ts', 'worker', '--concurrency', '24', '--config', configPath],
      cwd: repoRoot,
      env,
      ready: /Confab worker running/,
      timeoutMs: 60_000,
    });
    stops.push(() => worker.stop(15_000));
    const sendUrl = sender.match[1];
    const baseUrl = watched.match[1];
    const auth = { authorization: `Bearer ${token}` };
    const project = await requestJson('POST', `${sendUrl}/v1/projects`, { name: 'bench', path: projectDir }, auth);
    if (project.status !== 201) throw new Error(`Confab cluster: creating the project answered ${project.status} ${project.text}`);
    const stats = new Client({ connectionString: database.url });
    await stats.connect();
    stops.push(() => stats.end());
    return {
      name: 'confab',
      label: apiNodes === 2 ? 'Confab cluster (2 API nodes + worker)' : 'Confab cluster (API node + worker)',
      protocol: 'confab',
      baseUrl,
      sendUrl,
      token,
      pids: [...apis.map((api) => api.pid), worker.pid, ...(redis.pid ? [redis.pid] : [])],
      readyMs: sender.readyMs,
      async createConversations(count, prefix) {
        return mapLimited(Array.from({ length: count }, (_, i) => i), 8, async (i) => {
          const reply = await requestJson('POST', `${sendUrl}/v1/conversations`, { projectName: 'bench', title: `${prefix}-${i}` }, auth);
          if (reply.status !== 201) throw new Error(`Confab cluster: creating a conversation answered ${reply.status} ${reply.text}`);
          return (JSON.parse(reply.text) as { conversation: { id: string } }).conversation.id;
        });
      },
      async metrics() {
        return { eventLoopDelayMs: undefined, storeWrites: undefined };
      },
      async counters() {
        const { rows } = await stats.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()');
        return { redisCommands: await redis.commands(), postgresTransactions: Number(rows[0]?.xact_commit ?? 0) };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
