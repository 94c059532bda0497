/**
 * `client.watchCatalog()` against a real server: the first event says to load the lists, changes
 * made by another client arrive as events, a dropped link resumes from the cursor with exactly
 * what was missed, and a bad token ends the watch.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient, type CatalogEvent, type CatalogWatch } from '../../src/client/index.ts';
import { eventually, startTestServer, type TestServer } from '../support/server-fixture.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const quickReconnect = { initialDelayMs: 20, maxDelayMs: 50, factor: 1, jitter: 0 };
const describeEvent = (event: CatalogEvent) =>
  event.type === 'catalog-reload' ? `reload:${event.data.reason}` : event.type === 'project-created' ? `project-created:${event.data.project.name}` : event.type === 'project-deleted' ? `project-deleted:${event.data.projectName}` : event.type;

function record(watch: CatalogWatch): CatalogEvent[] {
  const seen: CatalogEvent[] = [];
  watch.onEvent((event) => seen.push(event));
  return seen;
}

describe('client.watchCatalog()', () => {
  test('starts with catalog-reload, then shows what another client changes, with session status', async () => {
    const client = createClient({ url: server.url, token: server.token });
    const other = createClient({ url: server.url, token: server.token });
    const watch = client.watchCatalog();
    const seen = record(watch);
    await watch.ready;
    assert.equal(watch.status, 'live');
    await eventually(() => seen.length === 1);
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hi' }] });
    await other.projects.create({ name: 'sdk1', path: await mkdtemp(join(tmpdir(), 'confab-sdk-')) });
    const conversation = await other.conversations.create({ projectName: 'demo' });
    await other.conversations.send(conversation.id, { content: 'Hello' });
    await eventually(() => seen.some((event) => event.type === 'session-status' && event.data.status === 'idle'));
    assert.deepEqual(
      seen.filter((event) => event.type !== 'conversation-updated').map((event) => (event.type === 'session-status' ? `status:${event.data.status}` : describeEvent(event))),
      ['reload:no-cursor', 'project-created:sdk1', 'conversation-created', 'status:queued', 'status:running', 'status:idle'],
    );
    assert.equal(watch.cursor, seen.at(-1)!.cursor);
    await client.close();
    assert.equal(watch.status, 'closed');
    await other.close();
  });

  test('after the link drops, reconnects from its cursor and gets exactly the changes it missed', async () => {
    const proxy = await startTcpProxy(new URL(server.url).port);
    const client = createClient({ url: proxy.url, token: server.token, reconnect: quickReconnect, sseIdleTimeoutMs: 0 });
    const watch = client.watchCatalog();
    const seen = record(watch);
    const statuses: string[] = [];
    watch.onStatus((status) => statuses.push(status));
    await watch.ready;
    await eventually(() => seen.length === 1);
    proxy.cut();
    await eventually(() => watch.status === 'reconnecting');
    await server.request('POST', '/v1/projects', { name: 'missed1', path: await mkdtemp(join(tmpdir(), 'confab-sdk-')) });
    await server.request('DELETE', '/v1/projects/missed1');
    proxy.restore();
    await eventually(() => seen.some((event) => event.type === 'project-deleted'));
    assert.deepEqual(seen.map(describeEvent), ['reload:no-cursor', 'project-created:missed1', 'project-deleted:missed1']);
    assert.deepEqual(statuses.slice(0, 1), ['live']);
    assert.equal(statuses.at(-1), 'live');
    await client.close();
    await proxy.close();
  });

  test('a bad token ends the watch: ready rejects with unauthorized, and it does not retry', async () => {
    const client = createClient({ url: server.url, token: 'not-the-token-000000000', reconnect: quickReconnect });
    const watch = client.watchCatalog();
    await assert.rejects(watch.ready, (error: { code?: string }) => error.code === 'unauthorized');
    assert.equal(watch.status, 'closed');
    assert.equal(watch.error?.code, 'unauthorized');
    assert.equal(server.hub.catalogFeed.watchers, 0);
    await client.close();
  });
});
