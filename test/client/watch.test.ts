import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { createClient, messageText, type ConfabClient, type ConfabClientError, type WatchState } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { recordEvents, runEnded, waitForWatch } from './support/watch-helpers.ts';

let server: TestServer;
let client: ConfabClient;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});
afterEach(async () => {
  await client?.close();
});

const newConversation = async () => (await client.conversations.create({ projectName: 'demo' })).id;
const lastText = (state: WatchState) => messageText(state.state!.messages.at(-1)!);

describe('watch against a real server', () => {
  test('loads the state, then streams the reply: the text is exactly what the upstream sent', async () => {
    client = createClient({ url: server.url, token: server.token });
    const chunks = ['Hel', 'lo', ', wor', 'ld', ' — ünïcode ✓'];
    server.upstream.enqueue({ kind: 'stream', chunks: chunks.map((text) => ({ text })), delayMs: 5 });
    const conversationId = await newConversation();
    const watch = client.watch(conversationId);
    const events = recordEvents(watch);
    const states: WatchState[] = [];
    watch.subscribe((state) => states.push(state));
    await watch.ready;
    assert.equal(watch.current.loaded, true);
    assert.equal(watch.status, 'idle');
    await waitForWatch(watch, (state) => state.live);
    const loadedSeq = watch.lastSeq;

    const { run } = await watch.send('Hi there');
    const final = await waitForWatch(watch, runEnded(run.id));

    assert.notEqual(events[0].type, 'snapshot', 'subscribing from the loaded cursor replays; no redundant snapshot');
    assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => loadedSeq + 1 + index), 'every seq once, in order');
    assert.deepEqual(events.filter((event) => event.type === 'part-delta').map((event) => (event.data as { delta: string }).delta), chunks);
    assert.equal(lastText(final), chunks.join(''));
    assert.equal(final.state!.messages.at(-2)!.role, 'user');
    assert.equal(messageText(final.state!.messages.at(-2)!), 'Hi there');
    assert.equal(final.state!.runs.find((candidate) => candidate.id === run.id)!.status, 'completed');
    assert.equal(final.status, 'idle');
    assert.ok(states.some((state) => state.status === 'running' && state.activeRun?.id === run.id));
    assert.equal(run.clientRequestId?.length, 36, 'send generated a UUID clientRequestId');

    // Every state handed out is its own immutable object: earlier ones still show their partial text.
    const partials = states.filter((state) => state.state!.messages.at(-1)?.role === 'assistant').map(lastText);
    assert.deepEqual(partials.filter((text, index) => partials.indexOf(text) === index).slice(0, 6), ['', 'Hel', 'Hello', 'Hello, wor', 'Hello, world', chunks.join('')]);
    assert.equal(new Set(states).size, states.length);
    assert.equal(watch.current, states.at(-1));
    const detail = await client.conversations.get(conversationId);
    assert.deepEqual(final.state!.messages, detail.messages, 'the reconciled state equals the server\'s');
  });

  test('a retried upstream error shows as retry while the run waits and is cleared when streaming resumes', async () => {
    client = createClient({ url: server.url, token: server.token });
    server.upstream.enqueue({ kind: 'error', status: 429, message: 'Slow down', headers: { 'retry-after': '0' } }, { kind: 'stream', chunks: [{ text: 'ok' }] });
    const watch = client.watch(await newConversation());
    await watch.ready;
    const states: WatchState[] = [];
    watch.subscribe((state) => states.push(state));
    const { run } = await watch.send('Go');
    const final = await waitForWatch(watch, runEnded(run.id));
    const retrying = states.find((state) => state.retry !== null);
    assert.ok(retrying, 'a state showed the retry');
    assert.equal(retrying.retry!.runId, run.id);
    assert.equal(retrying.retry!.attempt, 2);
    assert.equal(retrying.retry!.error.code, 'rate_limit');
    assert.equal(retrying.status, 'running');
    assert.equal(final.retry, null);
    assert.equal(lastText(final), 'ok');
  });

  test('a watch opened while a run waits to retry shows the wait from its first state (REST detail carries it)', async () => {
    client = createClient({ url: server.url, token: server.token });
    server.upstream.enqueue({ kind: 'error', status: 429, message: 'Slow down', headers: { 'retry-after': '3' } }, { kind: 'stream', chunks: [{ text: 'late' }] });
    const conversationId = await newConversation();
    const { run } = await client.conversations.send(conversationId, { content: 'Go' });
    while (!(await server.hub.getConversation(conversationId)).state.retry) await new Promise((resolve) => setTimeout(resolve, 10));
    const detail = await client.conversations.get(conversationId);
    assert.equal(detail.retry?.runId, run.id);
    const watch = client.watch(conversationId);
    await watch.ready;
    assert.equal(watch.current.retry?.runId, run.id, 'the loaded state says why the run waits');
    assert.equal(watch.current.retry?.attempt, 2);
    assert.equal(watch.current.retry?.delayMs, 3000);
    const final = await waitForWatch(watch, runEnded(run.id));
    assert.equal(final.retry, null);
    assert.equal(lastText(final), 'late');
  });

  test('messages sent while a run is busy wait in the queue with their input, then run in order', async () => {
    client = createClient({ url: server.url, token: server.token });
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'first ' }, { text: 'answer' }], holdAfter: 1 }, { kind: 'stream', chunks: [{ text: 'second answer' }] });
    const watch = client.watch(await newConversation());
    await watch.ready;
    const first = await watch.send('one');
    await waitForWatch(watch, (state) => state.status === 'running' && lastText(state) === 'first ');
    const second = await watch.send('two');
    const queued = await waitForWatch(watch, (state) => state.queue.length === 1);
    assert.equal(queued.status, 'running');
    assert.equal(queued.queue[0].run.id, second.run.id);
    assert.equal(messageText(queued.queue[0].input!), 'two');
    server.upstream.release();
    const final = await waitForWatch(watch, runEnded(second.run.id));
    assert.deepEqual(final.queue, []);
    assert.equal(final.status, 'idle');
    assert.deepEqual(final.state!.messages.map((message) => [message.role, messageText(message)]), [
      ['user', 'one'],
      ['assistant', 'first answer'],
      ['user', 'two'],
      ['assistant', 'second answer'],
    ]);
    assert.equal(final.state!.messages[1].runId, first.run.id);
  });

  test('watching a conversation that does not exist fails with not_found', async () => {
    client = createClient({ url: server.url, token: server.token });
    const watch = client.watch('conv_does_not_exist');
    await assert.rejects(watch.ready, (error: ConfabClientError) => error.code === 'not_found' && error.status === 404);
    assert.equal(watch.current.error?.code, 'not_found');
    assert.equal(watch.current.loaded, false);
  });

  test('a deleted conversation marks the watch deleted and it stops there', async () => {
    client = createClient({ url: server.url, token: server.token });
    const conversationId = await newConversation();
    const watch = client.watch(conversationId);
    await waitForWatch(watch, (state) => state.live);
    await client.conversations.delete(conversationId);
    const deleted = await waitForWatch(watch, (state) => state.deleted);
    assert.equal(deleted.error, null);
    assert.equal(deleted.live, false);
  });

  test('watching the same conversation twice shares one watch; it closes with the last close()', async () => {
    client = createClient({ url: server.url, token: server.token });
    const conversationId = await newConversation();
    const first = client.watch(conversationId);
    const second = client.watch(conversationId);
    assert.equal(first, second);
    first.close();
    assert.equal(second.closed, false);
    second.close();
    assert.equal(second.closed, true);
    await assert.rejects(second.send('hi'), { code: 'closed' });
    const fresh = client.watch(conversationId);
    assert.notEqual(fresh, first);
    await fresh.ready;
  });

  test('send, stop and continue on the watch go over the live connection and return the server\'s answers', async () => {
    client = createClient({ url: server.url, token: server.token });
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'partial' }, { text: ' rest' }], holdAfter: 1 }, { kind: 'stream', chunks: [{ text: ' continued' }] });
    const watch = client.watch(await newConversation());
    await watch.ready;
    const { run } = await watch.send('Tell me', { clientRequestId: 'watch-send-1' });
    assert.equal(run.clientRequestId, 'watch-send-1');
    await waitForWatch(watch, (state) => lastText(state) === 'partial');
    const stopped = await watch.stop();
    assert.equal(stopped.run?.id, run.id);
    assert.equal(stopped.run?.status, 'stopped');
    await waitForWatch(watch, runEnded(run.id));
    const continued = await watch.continue();
    const final = await waitForWatch(watch, runEnded(continued.run.id));
    assert.equal(lastText(final), 'partial continued');
    await assert.rejects(watch.continue(), { code: 'nothing_to_continue' });
    assert.equal(client.connection.transport, 'websocket');
  });
});

describe('watch.runEnded', () => {
  /** A new conversation's watch on the test's client. */
  async function openWatch() {
    const id = await newConversation();
    const watch = client.watch(id);
    await watch.ready;
    return { id, watch };
  }

  test('resolves for a run that had already ended when it was called', async () => {
    client = createClient({ url: server.url, token: server.token });
    const { watch } = await openWatch();
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Done' }] });
    const { run } = await watch.send('Quick one');
    await waitForWatch(watch, runEnded(run.id));
    const ended = await watch.runEnded(run.id);
    assert.equal(ended.id, run.id);
    assert.equal(ended.status, 'completed');
    watch.close();
  });

  test('resolves when the run ends later, with its final status', async () => {
    client = createClient({ url: server.url, token: server.token });
    const { watch } = await openWatch();
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Held' }, { text: ' on' }], holdAfter: 1 });
    const { run } = await watch.send('Slow one');
    const ended = watch.runEnded(run.id);
    await watch.stop(run.id);
    assert.equal((await ended).status, 'stopped');
    watch.close();
  });

  test('rejects when the conversation is deleted, and when the watch is closed', async () => {
    client = createClient({ url: server.url, token: server.token });
    const { id, watch } = await openWatch();
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Never' }, { text: ' ends' }], holdAfter: 1 });
    await watch.send('Another');
    const gone = watch.runEnded('run_that_never_exists');
    await client.conversations.delete(id);
    await assert.rejects(gone, { code: 'not_found' });
    watch.close();

    const second = await openWatch();
    const waiting = second.watch.runEnded('run_that_never_exists');
    second.watch.close();
    await assert.rejects(waiting, { code: 'closed' });
    await assert.rejects(second.watch.runEnded('run_x'), { code: 'closed' });
  });
});
