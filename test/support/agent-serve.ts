/**
 * A running Confab (`serve`, in-process, with a config file declaring agent providers) and one
 * conversation in a fresh project, driven over its REST API the way a client would: the frame the
 * agent end-to-end tests share (test/agents/*-agent.test.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { serve, type RunningServe } from '../../src/server/serve.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { agentHome } from './agent-tools.ts';
import { makeProjectDir } from './hub-fixture.ts';

export type AgentServe = Awaited<ReturnType<typeof startAgentServe>>;

export async function startAgentServe(options: { providers: Record<string, unknown>; defaultModel: string; projectName: string }) {
  const project = await makeProjectDir();
  const dataDir = await mkdtemp(join(tmpdir(), 'confab-agent-data-'));
  const configPath = join(dataDir, 'config.json');
  await writeFile(configPath, JSON.stringify({ providers: options.providers, defaultModel: options.defaultModel }));
  const start = () => serve({ dataDir, configPath, port: 0, env: {}, staticDir: undefined });
  let server: RunningServe = await start();

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  assert.equal((await api('POST', '/v1/projects', { name: options.projectName, path: project.path })).status, 201);
  const conversationId: string = (await api('POST', '/v1/conversations', { projectName: options.projectName })).body.conversation.id;

  const detail = async () => (await api('GET', `/v1/conversations/${conversationId}`)).body;
  const until = async (what: string, condition: (conversation: any) => boolean, timeoutMs = 60_000): Promise<any> => {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const current = await detail();
      if (condition(current)) return current;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(current.runs?.at(-1))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const send = async (content: string): Promise<string> => {
    const sent = await api('POST', `/v1/conversations/${conversationId}/messages`, { content });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    return sent.body.run.id as string;
  };
  const runOf = (conversation: any, runId: string) => conversation.runs.find((run: any) => run.id === runId);
  const ended = (runId: string) => (conversation: any) => ['completed', 'stopped', 'failed', 'interrupted'].includes(runOf(conversation, runId)?.status);
  const replyOf = (conversation: any, runId: string) => conversation.messages.find((message: any) => message.role === 'assistant' && message.runId === runId);
  const textOf = (message: any) => (message?.parts ?? []).filter((part: any) => part.kind === 'text').map((part: any) => part.text).join('');
  /** Sends a message and waits for its run to end. */
  const turn = async (content: string, timeoutMs?: number) => {
    const runId = await send(content);
    const conversation = await until(`the run for ${JSON.stringify(content)}`, ended(runId), timeoutMs);
    return { runId, conversation, run: runOf(conversation, runId), reply: replyOf(conversation, runId), text: textOf(replyOf(conversation, runId)) };
  };

  return {
    project,
    conversationId,
    get server() {
      return server;
    },
    api,
    detail,
    until,
    send,
    turn,
    runOf,
    ended,
    replyOf,
    textOf,
    async restart() {
      await server.close();
      server = await start();
    },
    async close() {
      await server?.close();
      await project.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type AgentHome = Awaited<ReturnType<typeof agentHome>>;

/**
 * The frame of one agent's end-to-end test, as `before`/`after` hooks of the enclosing `describe`:
 * a fake model, a home for the agent, and Confab serving the providers `providers` declares for
 * them; everything closed after. The fields are set once the `before` hook has run.
 */
export function agentServeFixture(options: {
  startModel: () => Promise<FakeUpstream>;
  providers: (model: FakeUpstream, home: AgentHome) => Promise<Record<string, unknown>> | Record<string, unknown>;
  defaultModel: string;
  projectName: string;
}): { model: FakeUpstream; home: AgentHome; confab: AgentServe } {
  const fixture = {} as { model: FakeUpstream; home: AgentHome; confab: AgentServe };
  before(async () => {
    fixture.model = await options.startModel();
    fixture.home = await agentHome();
    const providers = await options.providers(fixture.model, fixture.home);
    fixture.confab = await startAgentServe({ providers, defaultModel: options.defaultModel, projectName: options.projectName });
  });
  after(async () => {
    await fixture.confab?.close();
    await fixture.model?.close();
    if (fixture.home) await rm(fixture.home.dir, { recursive: true, force: true });
  });
  return fixture;
}

/** The process id of this process's child whose command line contains `needle` (serve runs in-process: agents are our children). */
export function childPid(needle: string): number {
  const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  const pid = Number(children.split('\n').find((line) => line.includes(needle))?.trim().split(/\s+/)[0]);
  assert.ok(pid > 0, `a child running ${needle} among: ${children}`);
  return pid;
}
