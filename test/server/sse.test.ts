import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import type { ConversationState } from '../../src/domain/schemas.ts';
import { applyEvent, messageText } from '../../src/events/apply-event.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';
import { openSse } from '../support/sse-client.ts';

const eventsUrl = (server: TestServer, query = '') => `${server.url}/v1/conversations/${server.conversationId}/events${query}`;
const send = (server: TestServer, content: string) => server.request('POST', `/v1/conversations/${server.conversationId}/messages`, { content });
const deltas = (events: ConfabEvent[]) => events.flatMap((event) => (event.type === 'part-delta' ? [event.data.delta] : [])).join('');
const isRunCompleted = (event: ConfabEvent) => event.type === 'run-completed';
/** The `conversation-updated` with totals that follows a run's end is its last event. */
const isRunTotals = (event: ConfabEvent) => event.type === 'conversation-updated' && event.data.conversation.usage.outputTokens > 0;

describe('SSE event stream', () => {
  it('frames every event as id: <cursor> / data: <JSON>, after retry: 1000, byte for byte', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hel' }, { text: 'lo' }] });
      const sse = await openSse(eventsUrl(server), server.authHeaders);
      assert.equal(sse.status, 200);
      assert.equal(sse.headers['content-type'], 'text/event-stream');
      assert.equal(sse.headers['cache-control'], 'no-cache');
      assert.equal(sse.headers['x-accel-buffering'], 'no');
      await sse.waitFor((event) => event.type === 'snapshot');
      const sent = await send(server, 'Hi');
      await sse.waitFor(isRunTotals);
      sse.close();

      const events = sse.events();
      assert.deepEqual(events.map((event) => event.type), [
        'snapshot',
        'conversation-updated',
        'run-queued',
        'message-created',
        'message-created',
        'run-started',
        'part-start',
        'part-delta',
        'part-delta',
        'part-end',
        'message-completed',
        'run-completed',
        'conversation-updated',
      ]);
      assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => index));
      const expected = 'retry: 1000\n\n' + events.map((event) => `id: ${event.cursor}\ndata: ${JSON.stringify(event)}\n\n`).join('');
      assert.equal(sse.raw(), expected);

      // One frame spelled out by hand: field order and framing exactly as documented.
      const hel = events[7];
      assert.equal(hel.type, 'part-delta');
      if (hel.type !== 'part-delta') return;
      const epoch = hel.cursor.slice(0, hel.cursor.lastIndexOf('.'));
      const frame =
        `id: ${epoch}.7\n` +
        `data: {"seq":7,"cursor":"${epoch}.7","conversationId":"${server.conversationId}","runId":"${sent.body.run.id}","type":"part-delta","at":${hel.at},` +
        `"data":{"messageId":"${hel.data.messageId}","partId":"${hel.data.partId}","delta":"Hel"}}\n\n`;
      assert.ok(sse.raw().includes(frame), 'the part-delta frame is exactly as documented');
      assert.equal(deltas(events), 'Hello');
    });
  });

  it('resumes with Last-Event-ID (which wins over ?after=): no gap, no duplicate, the text exactly as the upstream sent it', async () => {
    await withTestServer(async (server) => {
      const words = Array.from({ length: 30 }, (_, index) => `w${index} `);
      server.upstream.enqueue({ kind: 'stream', chunks: words.map((text) => ({ text })), delayMs: 5 });
      const first = await openSse(eventsUrl(server), server.authHeaders);
      await first.waitFor((event) => event.type === 'snapshot');
      await send(server, 'Count');
      await first.waitFor((event) => event.type === 'part-delta' && event.data.delta === 'w4 ');
      first.close();
      const seen = first.events();
      const lastId = first.frames().filter((frame) => frame.id !== undefined).at(-1)!.id!;
      assert.equal(lastId, seen.at(-1)!.cursor);

      const second = await openSse(eventsUrl(server, '?after=bogus.0'), { ...server.authHeaders, 'last-event-id': lastId });
      await second.waitFor(isRunTotals);
      second.close();
      const resumed = second.events();
      assert.notEqual(resumed[0].type, 'snapshot');
      const seqs = [...seen, ...resumed].map((event) => event.seq);
      assert.deepEqual(seqs, seqs.map((_, index) => index), 'contiguous from 0: no gap, no duplicate');
      assert.equal(deltas([...seen, ...resumed]), words.join(''));
      assert.equal(server.upstream.requests.length, 1);
    });
  });

  it('?after= resumes the same way; a cursor from another epoch gets a snapshot', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }] });
      const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
      const sse = await openSse(eventsUrl(server, `?after=${encodeURIComponent(body.cursor)}`), server.authHeaders);
      await send(server, 'Hi');
      await sse.waitFor(isRunCompleted);
      sse.close();
      assert.equal(sse.events()[0].type, 'conversation-updated');
      assert.equal(sse.events()[0].seq, 1);

      const stale = await openSse(eventsUrl(server, '?after=otherepoch.3'), server.authHeaders);
      const snapshot = await stale.waitFor(() => true);
      stale.close();
      assert.equal(snapshot.type, 'snapshot');
      if (snapshot.type === 'snapshot') assert.equal(messageText(snapshot.data.state.messages[1]), 'ab');
    });
  });

  it('sends a keep-alive comment on the configured interval', async () => {
    await withTestServer(
      async (server) => {
        const sse = await openSse(eventsUrl(server), server.authHeaders);
        await sse.waitForRaw((raw) => raw.split(': keep-alive\n\n').length >= 3, 2000);
        sse.close();
        assert.ok(sse.raw().startsWith('retry: 1000\n\nid: '));
      },
      { limits: { sseKeepAliveMs: 30 } },
    );
  });

  it('stays open across runs and ends after conversation-deleted', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'one' }] }, { kind: 'stream', chunks: [{ text: 'two' }] });
      const sse = await openSse(eventsUrl(server), server.authHeaders);
      await send(server, 'first');
      await sse.waitFor(isRunCompleted);
      await send(server, 'second');
      await eventually(() => sse.events().filter(isRunCompleted).length === 2);
      assert.equal((await server.request('DELETE', `/v1/conversations/${server.conversationId}`)).status, 204);
      await sse.ended;
      assert.equal(sse.events().at(-1)!.type, 'conversation-deleted');
      assert.ok(sse.raw().endsWith('\n\n'));
    });
  });

  it('closes the subscription when the client goes away (the run goes on)', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }], holdAfter: 1 });
      const sse = await openSse(eventsUrl(server), server.authHeaders);
      const sent = await send(server, 'Hi');
      await sse.waitFor((event) => event.type === 'part-delta');
      assert.equal(server.hub.sessions()[0].subscribers, 1);
      sse.close();
      await eventually(() => server.hub.sessions()[0].subscribers === 0, 2000, 'the subscription to close');
      server.upstream.release();
      await eventually(async () => (await server.request('GET', `/v1/conversations/${server.conversationId}`)).body.runs.some((run: { id: string; status: string }) => run.id === sent.body.run.id && run.status === 'completed'));
    });
  });

  it('HEAD answers with the stream headers and no stream', async () => {
    await withTestServer(async (server) => {
      const response = await fetch(eventsUrl(server), { method: 'HEAD', headers: server.authHeaders });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/event-stream');
      assert.equal(server.hub.sessions()[0]?.subscribers ?? 0, 0);
    });
  });

  it('answers 404 not_found as JSON for an unknown conversation', async () => {
    await withTestServer(async (server) => {
      const sse = await openSse(`${server.url}/v1/conversations/conv_missing/events`, server.authHeaders);
      await sse.ended;
      assert.equal(sse.status, 404);
      assert.deepEqual(JSON.parse(sse.raw()), { error: { code: 'not_found', message: 'No conversation conv_missing.' } });
    });
  });

  it('a reader that stops reading is cut over to a snapshot and still ends with exactly the right text', async () => {
    await withTestServer(
      async (server) => {
        const chunk = (index: number) => `${String(index).padStart(4, '0')}${'x'.repeat(64 * 1024 - 4)}`;
        const chunks = Array.from({ length: 160 }, (_, index) => ({ text: chunk(index) }));
        server.upstream.enqueue({ kind: 'stream', chunks });
        const events: ConfabEvent[] = [];
        let state: ConversationState | undefined;
        let resume!: () => void;
        const caughtUp = new Promise<void>((resolve, reject) => {
          const req = request(eventsUrl(server), { headers: server.authHeaders }, (res) => {
            res.pause();
            resume = () => res.resume();
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (data: string) => {
              text += data;
              const blocks = text.split('\n\n');
              text = blocks.pop()!;
              for (const block of blocks.filter((candidate) => candidate.startsWith('id: '))) {
                const event = JSON.parse(block.slice(block.indexOf('\ndata: ') + 7)) as ConfabEvent;
                events.push(event);
                state = applyEvent(state!, event);
              }
              if (state?.runs.at(-1)?.status === 'completed') {
                req.destroy();
                resolve();
              }
            });
          });
          req.on('error', reject);
          req.end();
        });
        await send(server, 'Big');
        await eventually(() => server.hub.sessions()[0]?.status === 'idle', 20_000, 'the run to end');
        resume();
        await caughtUp;
        const snapshots = events.filter((event) => event.type === 'snapshot');
        assert.ok(snapshots.length >= 2, `a snapshot replaced the backlog (saw ${snapshots.length})`);
        assert.equal(messageText(state!.messages[1]), chunks.map((item) => item.text).join(''));
        const seqs = events.map((event) => event.seq);
        assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'never out of order');
      },
      { hubLimits: { subscriberBufferLimit: 8 } },
    );
  });
});
