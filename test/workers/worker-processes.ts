/**
 * A `confab serve` and machine workers (`confab worker --server …`) as real processes on 127.0.0.1,
 * against one fake OpenAI upstream, for the machine worker scenarios.
 *
 *   const setup = await startWorkerSetup({ serveArgs: ['--worker-grace', '2s'] });
 *   const { token } = await setup.addWorker('box-a', ['alpha']);
 *   const dir = await setup.projectDir('alpha', { 'notes.txt': 'alpha notes' });
 *   const worker = await setup.spawnWorker({ token, projects: { alpha: dir } });   // resolves once registered
 *   const conversationId = await setup.conversation('alpha');
 *   const run = await setup.send(conversationId, 'Hello');
 *   const ended = await setup.waitForRunEnd(conversationId, run.id);
 *   await setup.close();      // kills the workers and the server it started, removes its directories
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { fakeProviderConfig, spawnServe, type SpawnedServe } from '../support/server-fixture.ts';

const mainScript = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export type SpawnedWorker = {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export type WorkerSetup = Awaited<ReturnType<typeof startWorkerSetup>>;

/** `providers` are added to the fake one in the config file the server and the workers share (a coding agent, say). */
export async function startWorkerSetup(options: { serveArgs?: string[]; providers?: Record<string, unknown> } = {}) {
  const upstream: FakeUpstream = await startOpenAIUpstream();
  const scratch = await mkdtemp(join(tmpdir(), 'confab-workers-'));
  const dataDir = join(scratch, 'data');
  await mkdir(dataDir);
  const configPath = join(scratch, 'worker-config.json');
  const config = fakeProviderConfig(upstream.url) as { providers: Record<string, unknown> };
  await writeFile(configPath, JSON.stringify({ ...config, providers: { ...config.providers, ...options.providers } }));
  const server: SpawnedServe = await spawnServe({ dataDir, args: ['--config', configPath, ...(options.serveArgs ?? [])] });
  const workers: SpawnedWorker[] = [];
  const auth = { authorization: `Bearer ${server.token}` };

  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Promise<{ status: number; body: any }> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  return {
    server,
    upstream,
    request,
    async addWorker(name: string, projects: string[]): Promise<{ token: string }> {
      const answer = await request('POST', '/v1/workers', { name, projects });
      if (answer.status !== 201) throw new Error(`could not add worker ${name}: ${JSON.stringify(answer.body)}`);
      return { token: answer.body.token };
    },
    async projectDir(name: string, files: Record<string, string>): Promise<string> {
      const dir = await mkdtemp(join(scratch, `${name}-`));
      for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
      return dir;
    },
    /** Starts `confab worker` and resolves once it has registered (or rejects with its output). */
    async spawnWorker(spec: { token: string; projects: Record<string, string>; serverUrl?: string; waitForRegistered?: boolean; concurrency?: number }): Promise<SpawnedWorker> {
      const args = [mainScript, 'worker', '--server', spec.serverUrl ?? server.url, '--config', configPath, '--log-level', 'info'];
      for (const [name, dir] of Object.entries(spec.projects)) args.push('--project', `${name}=${dir}`);
      if (spec.concurrency) args.push('--concurrency', String(spec.concurrency));
      const env: Record<string, string | undefined> = { ...process.env, CONFAB_WORKER_TOKEN: spec.token };
      for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'OLLAMA_HOST', 'CONFAB_CONFIG', 'CONFAB_TOKEN']) delete env[name];
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      const worker: SpawnedWorker = {
        child,
        stdout: () => out,
        stderr: () => err,
        exited,
        kill(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      };
      workers.push(worker);
      if (spec.waitForRegistered !== false) {
        await Promise.race([
          waitUntil(() => /serving/.test(out), 30_000, () => `worker registration; stdout: ${out} stderr: ${err}`),
          exited.then(({ code, signal }) => {
            throw new Error(`confab worker exited (${code ?? signal}) before registering; stderr: ${err}`);
          }),
        ]);
      }
      return worker;
    },
    async conversation(projectName: string, model = 'fake/m1'): Promise<string> {
      const answer = await request('POST', '/v1/conversations', { projectName, model });
      if (answer.status !== 201) throw new Error(`could not create a conversation: ${JSON.stringify(answer.body)}`);
      return answer.body.conversation.id;
    },
    async send(conversationId: string, content: string): Promise<{ id: string }> {
      const answer = await request('POST', `/v1/conversations/${conversationId}/messages`, { content });
      if (answer.status !== 202) throw new Error(`send failed: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.run;
    },
    async detail(conversationId: string): Promise<any> {
      return (await request('GET', `/v1/conversations/${conversationId}`)).body;
    },
    /** Polls the conversation until the run has ended; resolves with the detail. */
    async waitForRunEnd(conversationId: string, runId: string, timeoutMs = 30_000): Promise<{ run: any; detail: any }> {
      let detail: any;
      let run: any;
      await waitUntil(
        async () => {
          detail = await this.detail(conversationId);
          run = detail.runs.find((candidate: any) => candidate.id === runId);
          return run !== undefined && ['completed', 'stopped', 'failed', 'interrupted'].includes(run.status);
        },
        timeoutMs,
        () => `the end of run ${runId}; last seen ${JSON.stringify(run)}`,
      );
      return { run, detail };
    },
    async close(): Promise<void> {
      await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
      await server.kill('SIGTERM');
      await upstream.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The text of a message's text parts. */
export function textOf(message: { parts: { kind: string; text?: string }[] }): string {
  return message.parts.filter((part) => part.kind === 'text').map((part) => part.text).join('');
}
