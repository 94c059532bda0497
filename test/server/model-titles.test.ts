/**
 * Titles written by a model (`titleModel`), over the server against the fake OpenAI upstream: the
 * request after the first reply, its usage in the conversation's totals, and the cases where the
 * title must stay (the model fails or answers nothing, the user renamed the chat meanwhile, the chat
 * was created with a title, a later reply). Off by default: covered by every other server test,
 * whose upstream scripts hold no title request.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SessionHub } from '../../src/engine/session-hub.ts';
import { MemoryStore } from '../../src/store/memory/memory-store.ts';
import type { Logger } from '../../src/util/logger.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { eventually, spawnServe, testModel, withTestServer, type TestServer } from '../support/server-fixture.ts';
import { createModelRegistry } from '../../src/providers/model-registry.ts';
import { loadProviderConfig } from '../../src/providers/provider-config.ts';

const reply = (text: string, usage = { inputTokens: 10, outputTokens: 1 }) => ({ kind: 'stream' as const, chunks: [{ text }], usage });
const path = (server: TestServer, tail = '') => `/v1/conversations/${server.conversationId}${tail}`;

/** A logger that keeps its lines, for the "title not written" warnings. */
function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (message, fields) => void lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => void lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => void lines.push({ level: 'error', message, fields }),
  };
}

/** Sends `content` and waits for the run it starts to complete; the conversation's state after. */
async function ask(server: TestServer, content: string): Promise<any> {
  const sent = await server.request('POST', path(server, '/messages'), { content });
  assert.equal(sent.status, 202);
  await eventually(async () => (await server.request('GET', path(server))).body.runs.find((run: { id: string }) => run.id === sent.body.run.id)?.status === 'completed', 10_000, 'the reply');
  await server.hub.titlesSettled();
  return (await server.request('GET', path(server))).body;
}

describe('titles written by a model', () => {
  it('after the first reply, one request to the title model names the chat; its usage and cost join the totals', async () => {
    await withTestServer(
      async (server) => {
        server.upstream.enqueue(reply('Nginx reads /etc/nginx/nginx.conf.', { inputTokens: 100, outputTokens: 20 }), reply('"Nginx config location."', { inputTokens: 50, outputTokens: 4 }));
        const state = await ask(server, 'where does nginx keep its config?');
        assert.equal(state.conversation.title, 'Nginx config location');
        assert.equal(server.upstream.requests.length, 2);
        const titleRequest = server.upstream.requests[1].body;
        assert.equal(titleRequest.model, 'm1');
        assert.equal(titleRequest.tools, undefined);
        assert.equal(titleRequest.messages[0].role, 'system');
        assert.match(titleRequest.messages[0].content, /title/);
        assert.equal(titleRequest.messages[1].content, 'Question:\nwhere does nginx keep its config?\n\nAnswer:\nNginx reads /etc/nginx/nginx.conf.');
        // The run's usage plus the title request's, priced at 1 $ in and 2 $ out per million tokens.
        assert.deepEqual(state.conversation.usage, { inputTokens: 150, outputTokens: 24 });
        assert.deepEqual(state.conversation.cost, { amount: (150 * 1 + 24 * 2) / 1e6, currency: 'USD', estimated: false });
        assert.deepEqual(state.runs[0].usage, { inputTokens: 100, outputTokens: 20 });

        // A second reply asks for no title.
        server.upstream.enqueue(reply('Also /etc/nginx/conf.d/.'));
        const later = await ask(server, 'anything else?');
        assert.equal(later.conversation.title, 'Nginx config location');
        assert.equal(server.upstream.requests.length, 3);
      },
      { titleModel: testModel },
    );
  });

  it('a failing title model is logged and the first message\'s title stays; the reply is not disturbed', async () => {
    const logger = recordingLogger();
    await withTestServer(
      async (server) => {
        server.upstream.enqueue(reply('Forty-two.'), { kind: 'error', status: 401, message: 'bad key for titles' });
        const state = await ask(server, 'What is the answer?');
        assert.equal(state.conversation.title, 'What is the answer?');
        assert.equal(state.runs[0].status, 'completed');
        assert.equal(state.messages[1].status, 'completed');
        const warning = logger.lines.find((line) => line.message === 'title not written');
        assert.deepEqual(warning?.fields, { conversationId: server.conversationId, model: testModel, errorCode: 'auth' });
        assert.ok(!JSON.stringify(logger.lines).includes('bad key for titles'), 'the provider\'s message is not logged');
      },
      { titleModel: testModel, logger },
    );
  });

  it('an answer with no words keeps the title, but its usage still counts', async () => {
    const logger = recordingLogger();
    await withTestServer(
      async (server) => {
        server.upstream.enqueue(reply('Yes.', { inputTokens: 10, outputTokens: 1 }), reply('""', { inputTokens: 30, outputTokens: 2 }));
        const state = await ask(server, 'Is it on?');
        assert.equal(state.conversation.title, 'Is it on?');
        assert.deepEqual(state.conversation.usage, { inputTokens: 40, outputTokens: 3 });
        assert.ok(logger.lines.some((line) => line.message === 'title not written: the title model answered no words'));
      },
      { titleModel: testModel, logger },
    );
  });

  it('a rename while the title model is answering wins: the title stays the user\'s', async () => {
    await withTestServer(
      async (server) => {
        server.upstream.enqueue(reply('Blue.'), { kind: 'stream', chunks: [{ text: 'Sky ' }, { text: 'colour' }], holdAfter: 1, usage: { inputTokens: 40, outputTokens: 2 } });
        const sent = await server.request('POST', path(server, '/messages'), { content: 'What colour is the sky?' });
        assert.equal(sent.status, 202);
        await server.upstream.waitForRequests(2);
        const renamed = await server.request('PATCH', path(server), { title: 'My sky question' });
        assert.equal(renamed.status, 200);
        server.upstream.release();
        await eventually(async () => (await server.request('GET', path(server))).body.conversation.usage.inputTokens === 50, 10_000, 'the title request counted');
        await server.hub.titlesSettled();
        const state = (await server.request('GET', path(server))).body;
        assert.equal(state.conversation.title, 'My sky question');
      },
      { titleModel: testModel },
    );
  });

  it('a chat created with a title gets no title request', async () => {
    await withTestServer(
      async (server) => {
        const created = await server.request('POST', '/v1/conversations', { projectName: 'demo', model: testModel, title: 'Chosen by me' });
        server.upstream.enqueue(reply('Hello.'));
        const conversationPath = `/v1/conversations/${created.body.conversation.id}`;
        await server.request('POST', `${conversationPath}/messages`, { content: 'Hi' });
        await eventually(async () => (await server.request('GET', conversationPath)).body.runs[0]?.status === 'completed', 10_000, 'the reply');
        await server.hub.titlesSettled();
        assert.equal((await server.request('GET', conversationPath)).body.conversation.title, 'Chosen by me');
        assert.equal(server.upstream.requests.length, 1);
      },
      { titleModel: testModel },
    );
  });

  it('a title model that is not configured stops the hub from starting, naming it', () => {
    const config = loadProviderConfig({ env: {}, configPath: 'c.json', readFile: () => JSON.stringify({ providers: { fake: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', models: ['m1'] } } }) });
    assert.throws(() => new SessionHub({ store: new MemoryStore(), models: createModelRegistry(config), titleModel: 'fake/nope' }), (error: Error & { code?: string }) => error.code === 'unknown_model' && /fake\/nope/.test(error.message));
  });
});

describe('titles written by a model, in confab serve', () => {
  it('CONFAB_TITLE_MODEL turns them on in the server process; an unknown one stops it starting, naming the model', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-titles-'));
    const project = await makeProjectDir();
    const upstream = await startOpenAIUpstream();
    try {
      const serve = await spawnServe({ dataDir, upstreamUrl: upstream.url, env: { CONFAB_TITLE_MODEL: testModel } });
      try {
        const api = async (method: string, path: string, body?: unknown) => {
          const response = await fetch(`${serve.url}${path}`, { method, headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
          return { status: response.status, body: await response.json() };
        };
        assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: project.path })).status, 201);
        const conversationId = (await api('POST', '/v1/conversations', { projectName: 'demo' })).body.conversation.id;
        upstream.enqueue(reply('Use a sharp knife.'), reply('Slicing bread'));
        assert.equal((await api('POST', `/v1/conversations/${conversationId}/messages`, { content: 'how do I cut bread' })).status, 202);
        await eventually(async () => (await api('GET', `/v1/conversations/${conversationId}`)).body.conversation.title === 'Slicing bread', 10_000, 'the model-written title');
      } finally {
        await serve.kill();
      }
      await assert.rejects(spawnServe({ dataDir, upstreamUrl: upstream.url, env: { CONFAB_TITLE_MODEL: 'fake/missing' } }), /exited[\s\S]*titleModel: Unknown model "fake\/missing"/);
    } finally {
      await upstream.close();
      await project.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
