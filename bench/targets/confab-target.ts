/**
 * Confab as shipped: `node src/cli/main.ts serve --port 0 --data-dir <tmp> --config <tmp>/confab.json`
 * (the same as `npx node …`: the bench runs under the project's Node 24 and spawns that binary
 * directly, so the pid measured is the server's and not npx's). The config declares the upstream
 * as an `openai-compatible` provider. `CONFAB_BENCH_METRICS=1` turns on `GET /v1/debug/metrics`;
 * `CONFAB_BENCH_LIMITS` lifts the per-token stream cap and the concurrent-run cap, which would
 * otherwise queue every run past the 64th and refuse sockets past the 256th.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestJson } from '../clients/http-request.ts';
import { spawnServer } from './spawn-server.ts';
import { mapLimited, type Target, type TargetContext, type TargetName } from './target.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const benchLimits = { server: { maxStreamsPerToken: 50_000, wsMaxSubscriptions: 1_000 }, hub: { maxConcurrentRuns: 10_000 } };

/** `workers`: start it with `--workers N` (named `confab-wN`); else with the default (runs on the main thread). */
export async function startConfab(context: TargetContext, options: { workers?: number } = {}): Promise<Target> {
  const dataDir = resolve(context.workDir, `confab-${Date.now()}`);
  const projectDir = join(dataDir, 'project');
  mkdirSync(projectDir, { recursive: true });
  const configPath = join(dataDir, 'confab.json');
  // CONFAB_BENCH_CLIENT=ai-sdk|lean picks who reads the upstream (default: the config's default).
  const client = process.env.CONFAB_BENCH_CLIENT ? { client: process.env.CONFAB_BENCH_CLIENT } : {};
  writeFileSync(configPath, JSON.stringify({ providers: { bench: { type: 'openai-compatible', baseURL: `${context.upstreamUrl}/v1`, models: ['m'], ...client } }, defaultModel: 'bench/m' }));
  const token = `bench-${Math.random().toString(36).slice(2)}`;
  const profileArgs = context.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', context.cpuProfileDir] : [];
  const server = await spawnServer({
    command: process.execPath,
    args: [...profileArgs, ...(context.nodeArgs ?? []), 'src/cli/main.ts', 'serve', '--port', '0', '--data-dir', dataDir, '--config', configPath, ...(options.workers === undefined ? [] : ['--workers', String(options.workers)])],
    cwd: repoRoot,
    env: { CONFAB_TOKEN: token, CONFAB_BENCH_METRICS: '1', CONFAB_BENCH_LIMITS: JSON.stringify(benchLimits), CONFAB_LOG_LEVEL: 'error', ...context.env },
    ready: /running at (http:\/\/[^/\s]+)/,
    timeoutMs: 20_000,
  });
  const baseUrl = server.match[1];
  const auth = { authorization: `Bearer ${token}` };
  const project = await requestJson('POST', `${baseUrl}/v1/projects`, { name: 'bench', path: projectDir }, auth);
  if (project.status !== 201) throw new Error(`Confab: creating the project answered ${project.status} ${project.text}`);
  let benchHook = true;

  return {
    name: options.workers === undefined ? 'confab' : (`confab-w${options.workers}` as TargetName),
    label: options.workers === undefined ? 'Confab' : `Confab --workers ${options.workers}`,
    protocol: 'confab',
    baseUrl,
    token,
    pids: [server.pid],
    readyMs: server.readyMs,
    async createConversations(count, prefix) {
      return mapLimited(Array.from({ length: count }, (_, i) => i), 8, async (i) => {
        const reply = await requestJson('POST', `${baseUrl}/v1/conversations`, { projectName: 'bench', title: `${prefix}-${i}` }, auth);
        if (reply.status !== 201) throw new Error(`Confab: creating a conversation answered ${reply.status} ${reply.text}`);
        return (JSON.parse(reply.text) as { conversation: { id: string } }).conversation.id;
      });
    },
    async metrics(reset) {
      if (!benchHook) return { eventLoopDelayMs: undefined, storeWrites: undefined };
      const reply = await requestJson('GET', `${baseUrl}/v1/debug/metrics${reset ? '?reset=1' : ''}`, undefined, auth);
      if (reply.status !== 200) {
        benchHook = false;
        return { eventLoopDelayMs: undefined, storeWrites: undefined };
      }
      const body = JSON.parse(reply.text) as { eventLoopDelayMs: never; checkpointCommits: number; logWrites?: number; monotonicUs?: number };
      // Store transactions of both kinds: record checkpoints and event-journal commits.
      return { eventLoopDelayMs: body.eventLoopDelayMs, storeWrites: body.checkpointCommits + (body.logWrites ?? 0), monotonicUs: body.monotonicUs };
    },
    stop: () => server.stop(10_000),
  };
}
