import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCatalogEvent } from '../../src/events/catalog-definitions.ts';
import { openSse } from '../support/sse-client.ts';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';
import { connectWs, tryUpgrade } from '../support/ws-client.ts';

const catalogUrl = (server: TestServer, query = '') => `${server.url}/v1/catalog/events${query}`;
const catalogFrames = (frames: any[]) => frames.filter((frame) => frame.feed === 'catalog');
const newProjectDir = () => mkdtemp(join(tmpdir(), 'confab-catalog-'));

describe('catalog feed over WebSocket', () => {
  it('announces projects, conversations and run state as they change, from any client', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hi' }], holdAfter: 1 });
      const watcher = await connectWs(server.url, server.authHeaders);
      const ack = await watcher.request({ type: 'subscribe-catalog' });
      assert.deepEqual(ack, { type: 'ack', id: ack.id, result: { catalog: true } });
      const reload = await watcher.waitFor((frame) => frame.type === 'catalog-reload');
      assert.deepEqual(reload.data, { reason: 'no-cursor' });
      assert.ok(watcher.frames.indexOf(ack) < watcher.frames.indexOf(reload), 'the ack comes before the events');

      const created = await server.request('POST', '/v1/projects', { name: 'second', path: await newProjectDir() });
      assert.equal(created.status, 201);
      const conversation = await server.request('POST', '/v1/conversations', { projectName: 'second', title: 'Plans' });
      const conversationId = conversation.body.conversation?.id ?? conversation.body.id;
      const sent = await server.request('POST', `/v1/conversations/${conversationId}/messages`, { content: 'Hello' });
      assert.equal(sent.status, 202);
      await watcher.waitFor((frame) => frame.type === 'session-status' && frame.data.status === 'running');
      server.upstream.release();
      await watcher.waitFor((frame) => frame.type === 'session-status' && frame.data.status === 'idle');
      assert.equal((await server.request('PATCH', `/v1/conversations/${conversationId}`, { title: 'Renamed' })).status, 200);
      await watcher.waitFor((frame) => frame.type === 'conversation-updated' && frame.data.conversation.title === 'Renamed');
      assert.equal((await server.request('DELETE', `/v1/conversations/${conversationId}`)).status, 204);
      assert.equal((await server.request('DELETE', '/v1/projects/second')).status, 204);
      await watcher.waitFor((frame) => frame.type === 'project-deleted');

      const events = catalogFrames(watcher.frames);
      for (const event of events) assert.equal(parseCatalogEvent(event).ok, true, `valid: ${JSON.stringify(event)}`);
      assert.deepEqual(
        events.map((event) => event.seq),
        events.map((_, index) => reload.seq + index),
        'seqs increase by one, from the reload on',
      );
      const mine = events.filter((event) => event.type !== 'conversation-updated' || event.data.conversation.title === 'Renamed');
      assert.deepEqual(
        mine.map((event) => (event.type === 'session-status' ? `status:${event.data.status}` : event.type)),
        ['catalog-reload', 'project-created', 'conversation-created', 'status:queued', 'status:running', 'status:idle', 'conversation-updated', 'conversation-deleted', 'project-deleted'],
      );
      assert.equal(events[1].data.project.name, 'second');
      assert.equal(events[2].data.conversation.title, 'Plans');
      assert.ok(events.filter((event) => event.type === 'session-status').every((event) => event.data.conversationId === conversationId));

      const off = await watcher.request({ type: 'unsubscribe-catalog' });
      assert.deepEqual(off.result, { catalog: false });
      const before = watcher.frames.length;
      await server.request('POST', '/v1/projects', { name: 'third', path: await newProjectDir() });
      const pong = await watcher.request({ type: 'ping' });
      assert.equal(pong.type, 'pong');
      assert.deepEqual(catalogFrames(watcher.frames.slice(before)), [], 'nothing after unsubscribe-catalog');
      watcher.close();
    });
  });

  it('holds one catalog watch per socket: subscribing again replaces it, and events are not doubled', async () => {
    await withTestServer(async (server) => {
      const client = await connectWs(server.url, server.authHeaders);
      await client.request({ type: 'subscribe-catalog' });
      const first = await client.waitFor((frame) => frame.type === 'catalog-reload');
      await client.request({ type: 'subscribe-catalog', after: first.cursor });
      assert.equal(server.hub.catalogFeed.watchers, 1);
      await server.request('POST', '/v1/projects', { name: 'once', path: await newProjectDir() });
      await client.waitFor((frame) => frame.type === 'project-created');
      await client.request({ type: 'ping' });
      assert.deepEqual(catalogFrames(client.frames).map((event) => event.type), ['catalog-reload', 'project-created']);
      client.close();
      await client.closed;
      await eventually(() => server.hub.catalogFeed.watchers === 0, 10_000, 'a closed socket to leave no watcher');
    });
  });

  it('resumes after a cursor with exactly the events missed', async () => {
    await withTestServer(async (server) => {
      const first = await connectWs(server.url, server.authHeaders);
      await first.request({ type: 'subscribe-catalog' });
      const seen = await first.waitFor((frame) => frame.type === 'catalog-reload');
      first.close();
      await server.request('POST', '/v1/projects', { name: 'p1', path: await newProjectDir() });
      await server.request('POST', '/v1/projects', { name: 'p2', path: await newProjectDir() });
      const again = await connectWs(server.url, server.authHeaders);
      await again.request({ type: 'subscribe-catalog', after: seen.cursor });
      await again.waitFor((frame) => frame.type === 'project-created' && frame.data.project.name === 'p2');
      assert.deepEqual(
        catalogFrames(again.frames).map((event) => `${event.type}:${event.data.project?.name}`),
        ['project-created:p1', 'project-created:p2'],
      );
      again.close();
    });
  });
});

describe('catalog feed over SSE', () => {
  it('frames each event as id and data, and resumes from Last-Event-ID', async () => {
    await withTestServer(async (server) => {
      const sse = await openSse(catalogUrl(server), server.authHeaders);
      assert.equal(sse.status, 200);
      assert.equal(sse.headers['content-type'], 'text/event-stream');
      await sse.waitForRaw((raw) => raw.includes('catalog-reload'));
      const path = await newProjectDir();
      const created = await server.request('POST', '/v1/projects', { name: 'sse1', path });
      await sse.waitForRaw((raw) => raw.includes('project-created'));
      const [reload, event] = sse.frames().filter((frame) => frame.data);
      const reloadEvent = JSON.parse(reload.data!);
      assert.deepEqual(reloadEvent.data, { reason: 'no-cursor' });
      const expected = { feed: 'catalog', seq: reloadEvent.seq + 1, cursor: event.id, type: 'project-created', at: created.body.project.createdAt, data: { project: created.body.project } };
      assert.equal(sse.raw().slice(sse.raw().indexOf(`id: ${event.id}`)), `id: ${event.id}\ndata: ${JSON.stringify(expected)}\n\n`);
      sse.close();

      await server.request('DELETE', '/v1/projects/sse1');
      const resumed = await openSse(catalogUrl(server), { ...server.authHeaders, 'last-event-id': event.id! });
      await resumed.waitForRaw((raw) => raw.includes('project-deleted'));
      assert.deepEqual(resumed.frames().filter((frame) => frame.data).map((frame) => JSON.parse(frame.data!).type), ['project-deleted']);
      resumed.close();
    });
  });

  it('tells a watcher to reload when its cursor is older than the backlog, or of another epoch', async () => {
    await withTestServer(
      async (server) => {
        const sse = await openSse(catalogUrl(server), server.authHeaders);
        await sse.waitForRaw((raw) => raw.includes('catalog-reload'));
        const start = JSON.parse(sse.frames().find((frame) => frame.data)!.data!);
        sse.close();
        for (const name of ['a1', 'a2', 'a3']) await server.request('POST', '/v1/projects', { name, path: await newProjectDir() });

        const old = await openSse(catalogUrl(server, `?after=${encodeURIComponent(start.cursor)}`), server.authHeaders);
        await old.waitForRaw((raw) => raw.includes('catalog-reload'));
        const reload = JSON.parse(old.frames().find((frame) => frame.data)!.data!);
        assert.deepEqual(reload.data, { reason: 'too-old' });
        assert.equal(reload.seq, start.seq + 3, 'current as of the latest change');
        old.close();

        const other = await openSse(catalogUrl(server, '?after=someOtherEpoch.2'), server.authHeaders);
        await other.waitForRaw((raw) => raw.includes('catalog-reload'));
        assert.deepEqual(JSON.parse(other.frames().find((frame) => frame.data)!.data!).data, { reason: 'other-epoch' });
        other.close();
      },
      { catalogFeed: { backlog: 2 } },
    );
  });

  it('counts catalog streams against the token\'s stream cap', async () => {
    await withTestServer(
      async (server) => {
        const open = await openSse(catalogUrl(server), server.authHeaders);
        const refused = await fetch(catalogUrl(server), { headers: server.authHeaders });
        assert.equal(refused.status, 429);
        assert.equal((await refused.json()).error.code, 'rate_limited');
        open.close();
      },
      { limits: { maxStreamsPerToken: 1 } },
    );
  });

  it('gives no feed without a valid token', async () => {
    await withTestServer(async (server) => {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-000000000000' }] as Record<string, string>[]) {
        const response = await fetch(catalogUrl(server), { headers });
        assert.equal(response.status, 401);
        assert.equal((await response.json()).error.code, 'unauthorized');
        assert.equal((await tryUpgrade(server.url, headers)).status, 401);
      }
      assert.equal(server.hub.catalogFeed.watchers, 0);
    });
  });
});
