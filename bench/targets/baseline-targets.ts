/**
 * The three baselines as targets: the raw relay, the AI SDK server (with its own Redis, charged to
 * it), and the LangGraph API server run by `langgraphjs dev` (its launcher and file watcher are in
 * the measured process tree).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestJson } from '../clients/http-request.ts';
import { freePort, startBenchRedis } from '../measure/redis-stats.ts';
import { spawnServer } from './spawn-server.ts';
import { mapLimited, type Target, type TargetContext, type TargetMetrics } from './target.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

async function loopMetrics(baseUrl: string, reset: boolean): Promise<TargetMetrics['eventLoopDelayMs']> {
  const reply = await requestJson('GET', `${baseUrl}/metrics${reset ? '?reset=1' : ''}`, undefined);
  return (JSON.parse(reply.text) as { eventLoopDelayMs: TargetMetrics['eventLoopDelayMs'] }).eventLoopDelayMs;
}

const ids = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}-${i}-${Math.random().toString(36).slice(2, 8)}`);

export async function startRelay(context: TargetContext): Promise<Target> {
  const server = await spawnServer({
    command: process.execPath,
    args: ['bench/baselines/raw-relay.ts', '--upstream', context.upstreamUrl],
    cwd: repoRoot,
    ready: /relay listening on (http:\S+)/,
    timeoutMs: 15_000,
  });
  const baseUrl = server.match[1];
  return {
    name: 'relay',
    label: 'raw relay',
    protocol: 'relay',
    baseUrl,
    token: '',
    pids: [server.pid],
    readyMs: server.readyMs,
    createConversations: async (count, prefix) => ids(count, prefix),
    metrics: async (reset) => ({ eventLoopDelayMs: await loopMetrics(baseUrl, reset), storeWrites: 0 }),
    stop: () => server.stop(),
  };
}

export async function startAiSdk(context: TargetContext): Promise<Target> {
  const redis = await startBenchRedis();
  try {
    const server = await spawnServer({
      command: process.execPath,
      args: ['bench/baselines/ai-sdk-server.ts', '--upstream', context.upstreamUrl, '--redis', redis.url],
      cwd: repoRoot,
      ready: /listening on (http:\S+)/,
      timeoutMs: 20_000,
    });
    const baseUrl = server.match[1];
    const initial = await redis.commands();
    let ownCalls = 1;
    return {
      name: 'ai-sdk',
      label: 'AI SDK + resumable-stream',
      protocol: 'ai-sdk',
      baseUrl,
      token: '',
      pids: redis.pid ? [server.pid, redis.pid] : [server.pid],
      readyMs: server.readyMs,
      createConversations: async (count, prefix) => ids(count, prefix),
      async metrics(reset) {
        const commands = await redis.commands();
        // Commands since start, less the bench's own INFO calls.
        const storeWrites = commands - initial - ownCalls;
        ownCalls++;
        return { eventLoopDelayMs: await loopMetrics(baseUrl, reset), storeWrites };
      },
      async stop() {
        await server.stop();
        await redis.stop();
      },
    };
  } catch (error) {
    await redis.stop();
    throw error;
  }
}

/**
 * Runs the dev server executes at once (its default is 10; the rest wait in its queue). Each idle
 * worker polls the queue about twice a second, so this is not set sky-high: 500 workers cost ~7% of a core
 * while idle. 200 is far above the load LangGraph sustains here.
 */
export const langgraphWorkers = 200;

export async function startLangGraph(context: TargetContext): Promise<Target> {
  const port = await freePort();
  // The dev server persists its in-memory state here; every instance starts empty, like the others.
  rmSync(join(repoRoot, 'bench/baselines/langgraph/.langgraph_api'), { recursive: true, force: true });
  const server = await spawnServer({
    command: process.execPath,
    args: ['node_modules/@langchain/langgraph-cli/dist/cli/cli.mjs', 'dev', '--port', String(port), '--host', '127.0.0.1', '--no-browser', '--n-jobs-per-worker', String(langgraphWorkers), '--config', 'bench/baselines/langgraph'],
    cwd: repoRoot,
    env: { BENCH_UPSTREAM_URL: context.upstreamUrl, LANGSMITH_TRACING: 'false', LANGCHAIN_TRACING_V2: 'false' },
    ready: /Server running at (\S+)/,
    timeoutMs: 90_000,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    name: 'langgraph',
    label: 'LangGraph API (dev)',
    protocol: 'langgraph',
    baseUrl,
    token: '',
    pids: [server.pid],
    readyMs: server.readyMs,
    createConversations(count) {
      return mapLimited(Array.from({ length: count }, (_, i) => i), 8, async () => {
        const reply = await requestJson('POST', `${baseUrl}/threads`, {});
        if (reply.status !== 200) throw new Error(`LangGraph: creating a thread answered ${reply.status} ${reply.text.slice(0, 200)}`);
        return (JSON.parse(reply.text) as { thread_id: string }).thread_id;
      });
    },
    // The dev server exposes no event-loop or store metrics.
    metrics: async () => ({ eventLoopDelayMs: undefined, storeWrites: undefined }),
    stop: () => server.stop(),
  };
}
