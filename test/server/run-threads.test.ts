/**
 * `confab serve --workers N`: runs executed on run threads look to the clients exactly like runs
 * executed on the main thread (same events, seqs and text), stop reaches the provider request on
 * the thread, a thread that dies is a lost worker (its run interrupted with the partial kept and
 * continued once), and shutting down ends a thread's run as it ends one on the main thread.
 */
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { describe, it } from 'node:test';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import type { StreamResponse } from '../peers/upstream-script.ts';
import { EventCollector, isRunEnd } from '../support/hub-fixture.ts';
import { startTestServer, withTestServer, type TestServer } from '../support/server-fixture.ts';

const story: StreamResponse = { kind: 'stream', chunks: [{ text: 'Once' }, { text: ' upon' }, { text: ' a' }, { text: ' time.' }], usage: { inputTokens: 7, outputTokens: 4 } };

async function watch(server: TestServer): Promise<EventCollector> {
  return new EventCollector(await server.hub.subscribe(server.conversationId));
}

async function send(server: TestServer, content: string): Promise<string> {
  const sent = await server.request('POST', `/v1/conversations/${server.conversationId}/messages`, { content });
  assert.equal(sent.status, 202);
  return sent.body.run.id;
}

/** What two servers must agree on: each event's seq and type, and the text each delta carries. */
function shape(events: ConfabEvent[]): unknown[] {
  return events.map((event) => [event.seq, event.type, event.type === 'part-delta' ? (event.data as { delta?: unknown }).delta : undefined]);
}

async function conversation(server: TestServer) {
  return (await server.request('GET', `/v1/conversations/${server.conversationId}`)).body;
}

describe('runs on run threads', () => {
  it('append the same events, seqs and text as runs on the main thread', async () => {
    const shapes: unknown[][] = [];
    for (const runWorkers of [0, 1, 2]) {
      await withTestServer(async (server) => {
        server.upstream.enqueue(story, { ...story, chunks: [{ text: 'The' }, { text: ' end.' }] });
        const events = await watch(server);
        await send(server, 'Tell me a story');
        await events.waitFor(isRunEnd);
        await send(server, 'And then?');
        await events.waitFor((event) => isRunEnd(event) && event.seq > events.events.find(isRunEnd)!.seq);
        events.close();
        assert.equal(server.runThreads?.assigned ?? 0, runWorkers === 0 ? 0 : 2, 'where the runs executed');
        const body = await conversation(server);
        assert.deepEqual(body.messages.map((message: { role: string; parts: { text?: string }[] }) => [message.role, message.parts.map((part) => part.text).join('')]), [
          ['user', 'Tell me a story'],
          ['assistant', 'Once upon a time.'],
          ['user', 'And then?'],
          ['assistant', 'The end.'],
        ]);
        shapes.push(shape(events.events));
      }, { runWorkers });
    }
    assert.deepEqual(shapes[1], shapes[0]);
    assert.deepEqual(shapes[2], shapes[0]);
  });

  it('stop reaches the provider request on the thread; the run ends stopped with its partial text', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ ...story, holdAfter: 2 });
      const events = await watch(server);
      const runId = await send(server, 'Tell me a story');
      await events.waitFor((event) => event.type === 'part-delta' && (event.data as { delta: string }).delta === ' upon');
      const stopped = await server.request('POST', `/v1/conversations/${server.conversationId}/stop`, {});
      assert.equal(stopped.status, 200);
      const end = await events.waitFor(isRunEnd);
      assert.deepEqual([end.type, end.runId], ['run-stopped', runId]);
      await server.upstream.waitForAborts(1);
      const body = await conversation(server);
      assert.equal(body.messages[1].parts.map((part: { text?: string }) => part.text).join(''), 'Once upon');
      assert.equal(server.runThreads!.assigned, 1);
      events.close();
    }, { runWorkers: 1 });
  });

  // Two ways to die: ended from outside, and an uncaught exception inside (a message its handler cannot read).
  const deaths = { exits: (worker: Worker) => void worker.terminate(), throws: (worker: Worker) => worker.postMessage({ frames: null }) };
  for (const [how, kill] of Object.entries(deaths)) it(`a thread that ${how} mid-run is a lost worker: the run is interrupted with its partial kept, then continued once on a new thread`, async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ ...story, holdAfter: 2 }, { kind: 'stream', chunks: [{ text: ' there was a thread.' }] });
      const events = await watch(server);
      const runId = await send(server, 'Tell me a story');
      await events.waitFor((event) => event.type === 'part-delta' && (event.data as { delta: string }).delta === ' upon');
      const [dying] = server.runThreads!.links;
      kill(dying.worker);
      await dying.exited;
      const interrupted = await events.waitFor(isRunEnd);
      assert.deepEqual([interrupted.type, interrupted.runId], ['run-interrupted', runId]);
      const continued = await events.waitFor((event) => isRunEnd(event) && event.runId !== runId);
      assert.equal(continued.type, 'run-completed');
      const body = await conversation(server);
      assert.equal((continued.data as { run: { trigger: string } }).run.trigger, 'continue');
      assert.equal((await server.store.getRun(runId))?.status, 'interrupted');
      assert.equal(body.messages.length, 2);
      assert.equal(body.messages[1].parts.map((part: { text?: string }) => part.text).join(''), 'Once upon there was a thread.');
      // The continue run executes on the main thread or on the new thread, whichever takes it first.
      assert.notEqual(server.runThreads!.links[0], dying, 'a new thread replaced the one that died');
      events.close();
    }, { runWorkers: 1 });
  });

  it('shutting down ends a thread\'s run interrupted, its partial text stored', async () => {
    const server = await startTestServer({ runWorkers: 1 });
    try {
      server.upstream.enqueue({ ...story, holdAfter: 2 });
      const events = await watch(server);
      const runId = await send(server, 'Tell me a story');
      await events.waitFor((event) => event.type === 'part-delta' && (event.data as { delta: string }).delta === ' upon');
      events.close();
      await server.closeServer();
      await server.hub.close();
      const run = await server.store.getRun(runId);
      assert.equal(run?.status, 'interrupted');
      const messages = await server.store.listMessages(server.conversationId);
      assert.equal(messages[1].parts.map((part) => ('text' in part ? part.text : '')).join(''), 'Once upon');
    } finally {
      await server.close();
    }
  });
});


