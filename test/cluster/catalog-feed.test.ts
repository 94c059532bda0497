import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCluster, nodeApi, type TestCluster } from '../support/cluster-fixture.ts';
import { openSse, type SseConnection } from '../support/sse-client.ts';
import { testToken, type SpawnedServe } from '../support/server-fixture.ts';

const cluster = await startCluster();
const skip = typeof cluster === 'string' ? cluster : false;

const catalogEvents = (sse: SseConnection): any[] => sse.frames().filter((frame) => frame.data).map((frame) => JSON.parse(frame.data!));

describe('the catalog feed in a cluster: a change made through node A reaches a watcher on node B', { skip }, () => {
  const c = cluster as TestCluster;
  let a: SpawnedServe;
  let b: SpawnedServe;

  before(async () => {
    [a, b] = await Promise.all([c.serve(['--no-worker']), c.serve(['--no-worker'])]);
    await c.worker();
  });
  after(() => c.close());

  it('projects, conversations and the run state set by the worker arrive on B, in order', async () => {
    const watcher = await openSse(`${b.url}/v1/catalog/events`, { authorization: `Bearer ${testToken}` });
    await watcher.waitForRaw((raw) => raw.includes('catalog-reload'));
    const path = await mkdtemp(join(tmpdir(), 'confab-catalog-cluster-'));
    await nodeApi(a.url, 'POST', '/v1/projects', { name: 'viaA', path });
    const { conversation } = await nodeApi(a.url, 'POST', '/v1/conversations', { projectName: 'viaA', model: 'fake/m1', title: 'From A' });
    c.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hello' }] });
    await nodeApi(a.url, 'POST', `/v1/conversations/${conversation.id}/messages`, { content: 'Hi' });
    await watcher.waitForRaw((raw) => raw.includes('"status":"idle"'), 60_000);
    await nodeApi(a.url, 'DELETE', '/v1/projects/viaA');
    await watcher.waitForRaw((raw) => raw.includes('project-deleted'));

    const events = catalogEvents(watcher);
    assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => events[0].seq + index), 'B numbers them without a gap');
    const shown = events
      .filter((event) => event.type !== 'conversation-updated')
      .map((event) => (event.type === 'session-status' ? `status:${event.data.status}` : event.type));
    assert.deepEqual(shown, ['catalog-reload', 'project-created', 'conversation-created', 'status:queued', 'status:running', 'status:idle', 'conversation-deleted', 'project-deleted']);
    assert.equal(events.find((event) => event.type === 'conversation-created').data.conversation.id, conversation.id);
    watcher.close();
  });
});
