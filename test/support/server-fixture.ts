/**
 * A real Confab server for tests, on 127.0.0.1, against a fake OpenAI upstream.
 *
 *   const server = await startTestServer();               // options: limits, hubLimits, allowOrigins, staticDir, logger
 *   server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hi' }] });
 *   const res = await fetch(`${server.url}/v1/conversations/${server.conversationId}/messages`, {
 *     method: 'POST', headers: { ...server.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ content: 'Hello' }),
 *   });
 *   await server.close();                                  // server, hub, store, upstream, temp dirs
 *
 * `approvals: { tools: ['read_file'] }` makes those tools' calls wait for an approval.
 *
 * What it sets up: a temp data directory with a SQLite store (`confab.db`), a temp project directory
 * (README.md, notes.txt) registered as project `demo`, a provider `fake` (openai-compatible) at the
 * fake upstream with the one model `fake/m1` priced $1 / $2 per million input / output tokens (also
 * the default model), a hub (started, its observer feeding the server's metrics) and the server on
 * port 0 with the token `testToken`.
 * `conversationId` is a conversation in `demo` on `fake/m1`. `server.request(method, path, body?)`
 * sends an authorised JSON request and returns `{ status, headers, body }` (body parsed when JSON).
 *
 * `spawnServe({ dataDir, upstreamUrl })` runs the real `confab serve` as a child process (port 0,
 * the given data directory, a config file pointing `fake/m1` at the upstream) and resolves once it
 * has printed its URL; use it where the process itself matters (SIGKILL, SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogFeedLimits } from '../../src/catalog/catalog-feed.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import type { ApprovalOptions } from '../../src/engine/approvals/approval-gate.ts';
import type { HubLimits } from '../../src/engine/hub-options.ts';
import { createModelRegistry } from '../../src/providers/model-registry.ts';
import { loadProviderConfig } from '../../src/providers/provider-config.ts';
import { ServerMetrics } from '../../src/server/metrics/server-metrics.ts';
import { startServer } from '../../src/server/server.ts';
import type { ServerLimits } from '../../src/server/server-limits.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { silentLogger, type Logger } from '../../src/util/logger.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { makeProjectDir } from './hub-fixture.ts';
import { openRunThreads } from '../../src/run-threads/open-run-threads.ts';
import type { RunThreads } from '../../src/run-threads/run-threads.ts';
import { defaultLimits } from '../../src/engine/hub-options.ts';

export const testToken = 'test-token-0123456789';
export const testModel = 'fake/m1';
export const testPricing = { inputPerMillion: 1, outputPerMillion: 2 };

export type TestServerOptions = {
  limits?: Partial<ServerLimits>;
  hubLimits?: Partial<HubLimits>;
  /** The catalog feed's bounds (backlog, watcher buffer). */
  catalogFeed?: Partial<CatalogFeedLimits>;
  /** Which tools' calls wait for approval (the hub's `approvals` option). */
  approvals?: ApprovalOptions;
  allowOrigins?: string[];
  staticDir?: string;
  logger?: Logger;
  /** The hub's `titleModel` (titles written by a model after the first reply). */
  titleModel?: string;
  /** Run threads to execute runs on (default: CONFAB_RUN_WORKERS, else 0: the main thread). */
  runWorkers?: number;
};

export type TestResponse = { status: number; headers: Headers; body: any };

export type TestServer = {
  /** `http://127.0.0.1:<port>` */
  url: string;
  token: string;
  upstream: FakeUpstream;
  hub: SessionHub;
  store: Store;
  dataDir: string;
  projectDir: string;
  conversationId: string;
  /** The run threads, when CONFAB_RUN_WORKERS (or the `runWorkers` option) starts some. */
  runThreads: RunThreads | undefined;
  /** `{ authorization: 'Bearer <token>' }` */
  authHeaders: Record<string, string>;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  /** Closes the HTTP server only (the hub and store stay open); `close` still cleans up the rest. */
  closeServer(): Promise<void>;
  close(): Promise<void>;
};

/** The provider config both the in-process fixture and `spawnServe` use. */
export function fakeProviderConfig(upstreamUrl: string): object {
  return {
    providers: { fake: { type: 'openai-compatible', baseURL: upstreamUrl, apiKey: 'sk-fake', models: { m1: testPricing } } },
    defaultModel: testModel,
  };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const upstream = await startOpenAIUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'confab-data-'));
  const project = await makeProjectDir();
  const store = await openStore({ kind: 'sqlite', dataDir });
  const config = loadProviderConfig({ env: {}, configPath: 'test-config.json', readFile: () => JSON.stringify(fakeProviderConfig(upstream.url)) });
  const models = createModelRegistry(config);
  const metrics = new ServerMetrics();
  // CONFAB_RUN_WORKERS=N runs the suites with runs executed on N run threads (`confab serve --workers N`).
  const runWorkers = options.runWorkers ?? Number(process.env.CONFAB_RUN_WORKERS ?? 0);
  const maxConcurrentRuns = options.hubLimits?.maxConcurrentRuns ?? defaultLimits.maxConcurrentRuns;
  const placement = runWorkers > 0 ? openRunThreads({ count: runWorkers, config, store, logger: options.logger ?? silentLogger, maxConcurrentRuns, clientVersion: '0.0.0-test', approvals: options.approvals }) : undefined;
  const hub = new SessionHub({ store, models, logger: options.logger, limits: options.hubLimits, observer: metrics.observer, catalogFeed: options.catalogFeed, approvals: options.approvals, titleModel: options.titleModel, remote: placement?.threads, runQueue: placement?.runQueue });
  await hub.start();
  // Every run of the suite on a thread: none runs on the main thread while the threads load.
  await placement?.threads.ready;
  await hub.createProject({ name: 'demo', path: project.path });
  const conversation = await hub.createConversation({ projectName: 'demo', model: testModel });
  const server = await startServer({
    hub,
    models,
    port: 0,
    token: testToken,
    allowOrigins: options.allowOrigins,
    limits: options.limits,
    logger: options.logger,
    staticDir: options.staticDir,
    version: '0.0.0-test',
    metrics,
  });
  const authHeaders = { authorization: `Bearer ${testToken}` };
  return {
    url: server.url,
    token: testToken,
    upstream,
    hub,
    store,
    dataDir,
    projectDir: project.path,
    conversationId: conversation.id,
    runThreads: placement?.threads,
    authHeaders,
    async request(method, path, body, headers = {}) {
      const init = {
        method,
        headers: { ...authHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      };
      // Like the client SDK (src/client/http.ts): an idempotent request is sent once more after a
      // network failure, which on a busy machine is a kept-alive connection the server closed as idle
      // in the same turn it was reused.
      const response = await fetch(`${server.url}${path}`, init).catch((error: unknown) => {
        if (!['GET', 'HEAD', 'PUT', 'DELETE'].includes(method.toUpperCase())) throw error;
        return fetch(`${server.url}${path}`, init);
      });
      const text = await response.text();
      const isJson = response.headers.get('content-type')?.startsWith('application/json');
      return { status: response.status, headers: response.headers, body: isJson && text !== '' ? JSON.parse(text) : text };
    },
    closeServer: () => server.close(),
    async close() {
      await server.close();
      await hub.close();
      await placement?.threads.close();
      await store.close();
      await upstream.close();
      await project.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type SpawnedServe = {
  url: string;
  token: string;
  /** The line it printed, with the token hand-off URL. */
  firstLine: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const providerEnv = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'OLLAMA_HOST', 'CONFAB_CONFIG', 'CONFAB_TOKEN', 'CONFAB_DEFAULT_MODEL', 'CONFAB_TITLE_MODEL'];

/**
 * Runs `confab serve --port 0 --data-dir <dataDir>` (with `--config` pointing at `upstreamUrl`
 * when given) as a child process of the Node running the tests, and waits for its URL line.
 * Provider variables are removed from its environment; `env` adds to it.
 */
export async function spawnServe(options: { dataDir: string; upstreamUrl?: string; env?: Record<string, string>; args?: string[]; timeoutMs?: number }): Promise<SpawnedServe> {
  const args = ['serve', '--port', '0', '--data-dir', options.dataDir, ...(options.args ?? [])];
  if (options.upstreamUrl) {
    const configPath = join(options.dataDir, 'test-config.json');
    await writeFile(configPath, JSON.stringify(fakeProviderConfig(options.upstreamUrl)));
    args.push('--config', configPath);
  }
  const spawned = await spawnConfab(args, { env: options.env, timeoutMs: options.timeoutMs });
  const match = /^Confab is running at (http:\/\/[^/]+)\/\?token=(\S+)$/.exec(spawned.firstLine);
  if (!match) throw new Error(`unexpected first line from confab serve: ${spawned.firstLine}`);
  return { ...spawned, url: match[1], token: decodeURIComponent(match[2]) };
}

export type SpawnedConfab = Omit<SpawnedServe, 'url' | 'token'>;

/**
 * Runs `confab <args>` as a child process of the Node running the tests and resolves once it has
 * printed its first line (a server's URL, a worker's "running" line). Provider variables are removed
 * from its environment; `env` adds to it.
 */
export async function spawnConfab(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<SpawnedConfab> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of providerEnv) delete env[name];
  const child = spawn(process.execPath, [join(repoRoot, 'src/cli/main.ts'), ...args], { cwd: repoRoot, env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`confab ${args[0]} printed nothing within ${timeoutMs} ms; stdout: ${out} stderr: ${err}`)), timeoutMs);
    const check = () => {
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve(out.slice(0, newline));
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`confab ${args[0]} exited (${code ?? signal}) before printing its first line; stderr: ${err}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    firstLine,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `body` against a fresh test server and closes it afterwards, pass or fail. */
export async function withTestServer(body: (server: TestServer) => Promise<void>, options: TestServerOptions = {}): Promise<void> {
  const server = await startTestServer(options);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** Polls until `condition` holds (for state that has no event to wait on). */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `confab <args>` to completion (for commands that exit: --help, start-up failures). */
export function runConfab(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of providerEnv) delete env[name];
  const child = spawn(process.execPath, [join(repoRoot, 'src/cli/main.ts'), ...args], { cwd: repoRoot, env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}
