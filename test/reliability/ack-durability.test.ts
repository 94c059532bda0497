/**
 * Nothing is acknowledged before it is durable, shown as processes: each cycle starts `confab
 * serve`, sends a burst of commands (some concurrent, so acknowledgements share transactions),
 * SIGKILLs the server at a random moment 0–300 ms after the last acknowledgement, restarts it on
 * the same data directory and checks that every acknowledged command is there.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { spawnServe, type SpawnedServe } from '../support/server-fixture.ts';
import { scaled } from './scale.ts';

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

function apiOf(serve: SpawnedServe): Api {
  return async (method, path, body) => {
    const response = await fetch(`${serve.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${serve.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** What the acknowledged commands promise, checked after each restart. */
type Expected = {
  conversations: Map<string, { title?: string; userTexts: string[]; stoppedRuns: string[] }>;
  deleted: Set<string>;
  projects: Set<string>;
  /** Where each cycle's new project points. */
  scratch: string;
};

/** A deterministic random source, so a failing cycle can be replayed from its seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function commandBurst(api: Api, expected: Expected, cycle: number, random: () => number): Promise<void> {
  const projectName = `p${cycle}`;
  const path = join(expected.scratch, projectName);
  await mkdir(path);
  assert.equal((await api('POST', '/v1/projects', { name: projectName, path })).status, 201);
  expected.projects.add(projectName);

  const created = await Promise.all(
    [0, 1, 2].map(() => api('POST', '/v1/conversations', { projectName: 'demo' })),
  );
  const ids: string[] = [];
  for (const response of created) {
    assert.equal(response.status, 201);
    ids.push(response.body.conversation.id);
    expected.conversations.set(response.body.conversation.id, { userTexts: [], stoppedRuns: [] });
  }
  const send = async (index: number, turn: number) => {
    const id = ids[index]!;
    const content = `cycle ${cycle} conversation ${index} turn ${turn}`;
    const response = await api('POST', `/v1/conversations/${id}/messages`, { content, clientRequestId: `c${cycle}-${index}-${turn}` });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    expected.conversations.get(id)!.userTexts.push(content);
    return response.body.run.id as string;
  };
  // Concurrent sends: their acknowledgements share a transaction.
  const [, queuedRunId] = await Promise.all([send(1, 0), send(1, 1), send(2, 0)]);

  // Take the second conversation's queued run off its queue.
  const stopped = await api('POST', `/v1/conversations/${ids[1]}/stop`, { runId: queuedRunId });
  assert.equal(stopped.status, 200);
  if (stopped.body.run?.status === 'stopped') {
    expected.conversations.get(ids[1]!)!.stoppedRuns.push(queuedRunId!);
    expected.conversations.get(ids[1]!)!.userTexts.pop();
  }

  const title = `renamed in cycle ${cycle}`;
  assert.equal((await api('PATCH', `/v1/conversations/${ids[0]}`, { title })).status, 200);
  expected.conversations.get(ids[0]!)!.title = title;

  if (random() < 0.5) {
    assert.equal((await api('DELETE', `/v1/conversations/${ids[2]}`)).status, 204);
    expected.conversations.delete(ids[2]!);
    expected.deleted.add(ids[2]!);
  }
  // The burst ends with sends, so the kill that follows can land right after their acknowledgement.
  await Promise.all([send(0, 0), send(0, 1)]);
}

async function verify(api: Api, expected: Expected): Promise<number> {
  let checked = 0;
  const projects = (await api('GET', '/v1/projects')).body.projects.map((project: { name: string }) => project.name);
  for (const name of expected.projects) {
    assert.ok(projects.includes(name), `project ${name} was acknowledged`);
    checked++;
  }
  for (const [id, promise] of expected.conversations) {
    const { status, body } = await api('GET', `/v1/conversations/${id}`);
    assert.equal(status, 200, `conversation ${id} was acknowledged`);
    const userTexts = body.messages.filter((message: any) => message.role === 'user').map((message: any) => message.parts.at(-1).text);
    for (const text of promise.userTexts) {
      assert.ok(userTexts.includes(text), `acknowledged message "${text}" is stored; have ${JSON.stringify(userTexts)}`);
      checked++;
    }
    if (promise.title !== undefined) {
      assert.equal(body.conversation.title, promise.title);
      checked++;
    }
    for (const runId of promise.stoppedRuns) {
      const run = body.runs.find((candidate: { id: string }) => candidate.id === runId);
      if (run) assert.equal(run.status, 'stopped', `acknowledged stop of ${runId}`);
      checked++;
    }
  }
  for (const id of expected.deleted) {
    assert.equal((await api('GET', `/v1/conversations/${id}`)).status, 404, `deleted conversation ${id} stays deleted`);
    checked++;
  }
  return checked;
}

describe('acknowledged commands survive SIGKILL (processes)', () => {
  it('every acknowledged command is applied after a SIGKILL 0–300 ms after its acknowledgement', async () => {
    const cycles = scaled(3, 40);
    const seed = Number(process.env.CONFAB_RELIABILITY_SEED ?? Date.now() % 100_000);
    const random = seeded(seed);
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-ack-'));
    const project = await makeProjectDir();
    const upstream = await startOpenAIUpstream();
    const expected: Expected = { conversations: new Map(), deleted: new Set(), projects: new Set(), scratch: dataDir };
    let checked = 0;
    try {
      for (let cycle = 0; cycle < cycles; cycle++) {
        // Each run holds after one token, so kills land mid-run as well as between commands.
        for (let index = 0; index < 6; index++) upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }], holdAfter: 1 });
        const serve = await spawnServe({ dataDir, upstreamUrl: upstream.url });
        const api = apiOf(serve);
        try {
          if (cycle === 0) {
            assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: project.path })).status, 201);
            expected.projects.add('demo');
          } else {
            checked += await verify(api, expected);
          }
          await commandBurst(api, expected, cycle, random);
          await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 300)));
        } finally {
          await serve.kill('SIGKILL');
          upstream.release();
        }
      }
      const last = await spawnServe({ dataDir, upstreamUrl: upstream.url });
      try {
        checked += await verify(apiOf(last), expected);
      } finally {
        await last.kill('SIGTERM');
      }
      process.stdout.write(`# ack durability: ${cycles} SIGKILL cycles, ${checked} acknowledged facts checked, 0 lost (seed ${seed})\n`);
    } finally {
      await upstream.close();
      await project.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
