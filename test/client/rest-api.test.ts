import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient, type ConfabClient, type ConfabClientError } from '../../src/client/index.ts';
import { startTestServer, testModel, testPricing, type TestServer } from '../support/server-fixture.ts';

let server: TestServer;
let client: ConfabClient;

before(async () => {
  server = await startTestServer();
  client = createClient({ url: server.url, token: server.token });
});
after(async () => {
  await client.close();
  await server.close();
});

const rejectsWith = (promise: Promise<unknown>, code: string, status: number | null) =>
  assert.rejects(promise, (error: ConfabClientError) => {
    assert.equal(error.name, 'ConfabClientError');
    assert.equal(error.code, code);
    assert.equal(error.status, status);
    assert.ok(error.message.length > 0);
    return true;
  });

describe('REST calls against a real server', () => {
  test('health needs no token and reports the version', async () => {
    const anonymous = createClient({ url: server.url });
    assert.deepEqual(await anonymous.health(), { status: 'ok', version: '0.0.0-test' });
  });

  test('projects: create, list, get, delete, with the server\'s errors', async () => {
    const path = await mkdtemp(join(tmpdir(), 'confab-sdk-project-'));
    try {
      const created = await client.projects.create({ name: 'sdk-project', path });
      assert.equal(created.name, 'sdk-project');
      assert.deepEqual((await client.projects.list()).map((project) => project.name).sort(), ['demo', 'sdk-project']);
      assert.deepEqual(await client.projects.get('sdk-project'), created);
      await rejectsWith(client.projects.create({ name: 'sdk-project', path }), 'bad_request', 400);
      await rejectsWith(client.projects.create({ name: 'bad name!', path }), 'bad_request', 400);
      assert.equal(await client.projects.delete('sdk-project'), undefined);
      await rejectsWith(client.projects.get('sdk-project'), 'not_found', 404);
    } finally {
      await rm(path, { recursive: true, force: true });
    }
  });

  test('conversations: create with the default model, get with its cursor, update, delete', async () => {
    const conversation = await client.conversations.create({ projectName: 'demo', title: 'From the SDK', systemPrompt: 'Be brief.' });
    assert.equal(conversation.model, testModel);
    assert.equal(conversation.title, 'From the SDK');
    const detail = await client.conversations.get(conversation.id);
    assert.deepEqual(detail.conversation, conversation);
    assert.deepEqual(detail.messages, []);
    assert.deepEqual(detail.runs, []);
    assert.match(detail.cursor, /^.+\.0$/);
    const updated = await client.conversations.update(conversation.id, { title: 'Renamed', busyPolicy: 'reject' });
    assert.equal(updated.title, 'Renamed');
    assert.equal(updated.busyPolicy, 'reject');
    await rejectsWith(client.conversations.update(conversation.id, { model: 'nowhere/none' }), 'unknown_model', 400);
    assert.equal(await client.conversations.delete(conversation.id), undefined);
    await rejectsWith(client.conversations.get(conversation.id), 'not_found', 404);
    await rejectsWith(client.conversations.create({ projectName: 'no-such-project' }), 'not_found', 404);
  });

  test('list pages newest first with nextBefore, and listAll walks every page', async () => {
    const project = await mkdtemp(join(tmpdir(), 'confab-sdk-pages-'));
    try {
      await client.projects.create({ name: 'pages', path: project });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await client.conversations.create({ projectName: 'pages', title: `c${i}` })).id);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      const first = await client.conversations.list({ project: 'pages', limit: 2 });
      assert.deepEqual(first.conversations.map((summary) => summary.id), [ids[4], ids[3]]);
      assert.equal(first.conversations[0].messageCount, 0);
      assert.equal(first.nextBefore, first.conversations[1].updatedAt);
      const second = await client.conversations.list({ project: 'pages', limit: 2, before: first.nextBefore! });
      assert.deepEqual(second.conversations.map((summary) => summary.id), [ids[2], ids[1]]);
      const all: string[] = [];
      for await (const summary of client.conversations.listAll({ project: 'pages', limit: 2 })) all.push(summary.id);
      assert.deepEqual(all, [...ids].reverse());
      await rejectsWith(client.conversations.list({ limit: 0 }), 'bad_request', 400);
    } finally {
      await client.projects.delete('pages');
      await rm(project, { recursive: true, force: true });
    }
  });

  test('send over REST returns the message and run; stop and continue return runs; errors carry their codes', async () => {
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'A' }, { text: 'B' }, { text: 'C' }], holdAfter: 1 });
    const conversation = await client.conversations.create({ projectName: 'demo' });
    const sent = await client.conversations.send(conversation.id, { content: 'Hello there', clientRequestId: 'rest-1' });
    assert.equal(sent.message.role, 'user');
    assert.deepEqual(sent.message.parts.map((part) => part.kind), ['text']);
    assert.equal(sent.run.clientRequestId, 'rest-1');
    const again = await client.conversations.send(conversation.id, { content: 'Hello there', clientRequestId: 'rest-1' });
    assert.equal(again.run.id, sent.run.id, 'the same clientRequestId is the same send');
    await rejectsWith(client.conversations.continue(conversation.id), 'conversation_busy', 409);
    await server.upstream.waitForRequests(1);
    const stopped = await client.conversations.stop(conversation.id);
    assert.equal(stopped.run?.id, sent.run.id);
    assert.equal(stopped.run?.status, 'stopped');
    assert.deepEqual(await client.conversations.stop(conversation.id), { run: null }, 'stopping an idle conversation is a no-op');
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'D' }] });
    const continued = await client.conversations.continue(conversation.id);
    assert.equal(continued.run.trigger, 'continue');
    await rejectsWith(client.conversations.send(conversation.id, { content: '' }), 'bad_request', 400);
    await rejectsWith(client.conversations.send('conv_missing', { content: 'hi' }), 'not_found', 404);
  });

  test('sessions and models', async () => {
    const sessions = await client.sessions();
    assert.ok(Array.isArray(sessions));
    for (const session of sessions) assert.deepEqual(Object.keys(session).sort(), ['activeRunId', 'conversationId', 'cursor', 'projectName', 'queuedRunIds', 'status', 'subscribers', 'title']);
    assert.deepEqual(await client.models(), { models: [{ id: testModel, provider: 'fake', pricing: testPricing }], defaultModel: testModel });
    assert.equal((await client.limits()).maxMessageChars, 100_000);
  });

  test('a wrong or missing token is unauthorized (401), an unreachable server is network', async () => {
    await rejectsWith(createClient({ url: server.url, token: 'wrong' }).projects.list(), 'unauthorized', 401);
    await rejectsWith(createClient({ url: server.url }).sessions(), 'unauthorized', 401);
    await rejectsWith(createClient({ url: 'http://127.0.0.1:9' }).health(), 'network', null);
  });

  test('a base URL with a trailing slash works, and the injected fetch is the one used', async () => {
    const seen: string[] = [];
    const tracing = createClient({
      url: `${server.url}/`,
      token: server.token,
      fetch: (input, init) => {
        seen.push(`${init?.method ?? 'GET'} ${input}`);
        return fetch(input, init);
      },
    });
    await tracing.conversations.list({ project: 'demo', limit: 1 });
    assert.deepEqual(seen, [`GET ${server.url}/v1/conversations?project=demo&limit=1`]);
  });
});
