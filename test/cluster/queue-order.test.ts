import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { nodeApi as api, startCluster, type TestCluster } from '../support/cluster-fixture.ts';
import { testToken } from '../support/server-fixture.ts';
import { openSse, type SseConnection } from '../support/sse-client.ts';

const cluster = await startCluster();
const skip = typeof cluster === 'string' ? cluster : false;
const auth = { authorization: `Bearer ${testToken}` };
const conversations = Number(process.env.CONFAB_CLUSTER_CONVERSATIONS ?? 20);
const runsEach = 10;

/** Overlaps and out-of-order starts in one conversation's events, given the run ids in send order. */
function orderProblems(events: ConfabEvent[], sent: string[]): string[] {
  const problems: string[] = [];
  let running: string | undefined;
  const started: string[] = [];
  for (const event of events) {
    if (event.type === 'run-started') {
      if (running) problems.push(`${event.runId} started while ${running} ran`);
      running = event.runId!;
      started.push(event.runId!);
    } else if (event.type === 'run-completed' || event.type === 'run-failed' || event.type === 'run-stopped' || event.type === 'run-interrupted') {
      if (event.runId === running) running = undefined;
    }
  }
  if (started.join() !== sent.join()) problems.push(`started ${started.join()} but sent ${sent.join()}`);
  return problems;
}

describe('a cluster of processes: runs of one conversation, one at a time and in order, across workers', { skip, timeout: 600_000 }, () => {
  const c = cluster as TestCluster;
  after(() => c.close());

  it(`${conversations} conversations × ${runsEach} queued runs on two workers: 0 overlaps, 0 out of order, every run once`, async () => {
    const [node] = await Promise.all([c.serve(['--no-worker']), c.worker(['--concurrency', '4']), c.worker(['--concurrency', '4'])]);
    await api(node.url, 'POST', '/v1/projects', { name: 'demo', path: c.projectDir });
    const ids: string[] = [];
    for (let index = 0; index < conversations; index++) ids.push((await api(node.url, 'POST', '/v1/conversations', { projectName: 'demo', model: 'fake/m1' })).conversation.id);
    const watchers: SseConnection[] = await Promise.all(ids.map((id) => openSse(`${node.url}/v1/conversations/${id}/events`, auth)));
    for (let index = 0; index < conversations * runsEach; index++) c.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'ok' }, { text: '.' }] });
    const sent = new Map<string, string[]>(ids.map((id) => [id, []]));
    // Round by round, every conversation gets its next message (sends of one conversation in order).
    try {
      for (let round = 0; round < runsEach; round++) {
        await Promise.all(ids.map(async (id) => sent.get(id)!.push((await api(node.url, 'POST', `/v1/conversations/${id}/messages`, { content: `message ${round}` })).run.id)));
      }
    } catch (error) {
      throw new Error(`${(error as Error).message}\nAPI node's log:\n${node.stderr().slice(-4000)}`);
    }
    const ended = (watcher: SseConnection) => watcher.events().filter((event) => event.type === 'run-completed').length;
    await Promise.all(watchers.map((watcher) => watcher.waitFor(() => ended(watcher) >= runsEach, 300_000)));
    const problems = ids.flatMap((id, index) => orderProblems(watchers[index]!.events(), sent.get(id)!).map((problem) => `${id}: ${problem}`));
    for (const watcher of watchers) watcher.close();
    assert.deepEqual(problems, []);
    for (const id of ids) {
      const detail = await api(node.url, 'GET', `/v1/conversations/${id}`);
      assert.deepEqual(
        detail.messages.map((message: { role: string; parts: { text?: string }[] }) => `${message.role}:${message.parts.map((part) => part.text).join('')}`),
        Array.from({ length: runsEach }, (_, round) => [`user:message ${round}`, 'assistant:ok.']).flat(),
      );
    }
    assert.equal(c.upstream.requests.length, conversations * runsEach, 'every run executed once');
  });
});
