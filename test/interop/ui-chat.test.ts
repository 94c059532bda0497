/**
 * The AI SDK `useChat` endpoint, driven by the real `ai` package: `@ai-sdk/react`'s `Chat` (the
 * class `useChat` wraps, usable without rendering) with `DefaultChatTransport` pointed at a real
 * Confab server, against the fake OpenAI upstream. The raw SSE of each response is recorded
 * through the transport's `fetch` option, so the chunks are asserted as well as what `Chat` built.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Chat } from '@ai-sdk/react';
import { DefaultChatTransport, type UIMessage } from 'ai';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';

type Recorded = { url: string; method: string; status: number; body: Promise<string> };

function chatFor(server: TestServer, options: { messages?: UIMessage[]; onData?: (part: unknown) => void } = {}) {
  const responses: Recorded[] = [];
  const recordingFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await fetch(input, init);
    responses.push({ url: String(input), method: init?.method ?? 'GET', status: response.status, body: response.clone().text().catch(() => '(cut)') });
    return response;
  };
  const transport = new DefaultChatTransport({ api: `${server.url}/v1/ui-chat`, headers: server.authHeaders, fetch: recordingFetch as typeof fetch });
  const chat = new Chat({ id: server.conversationId, transport, messages: options.messages, onData: options.onData });
  return { chat, responses };
}

/** The `data:` payloads of a recorded SSE body, parsed (`[DONE]` kept as a string). */
function chunksOf(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

/** Chunk types in order; consecutive deltas count once (deltas ready in one event-loop turn go out as one). */
const chunkTypes = (body: string) =>
  chunksOf(body)
    .map((chunk) => (typeof chunk === 'string' ? chunk : (chunk as { type: string }).type))
    .filter((type, index, all) => !(type.endsWith('-delta') && all[index - 1] === type));
const textOf = (message: UIMessage | undefined) => (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');

async function confabState(server: TestServer) {
  return (await server.request('GET', `/v1/conversations/${server.conversationId}`)).body;
}

describe('useChat endpoint (AI SDK UI message stream)', () => {
  it('Chat.sendMessage streams reasoning, a tool call with its output and the next step\'s text; the chunks and Chat\'s message are exact', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue(
        { kind: 'stream', chunks: [{ reasoning: 'Look at ' }, { reasoning: 'the notes.' }, { toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] },
        { kind: 'stream', chunks: [{ text: 'They say ' }, { text: 'alpha.' }] },
      );
      const { chat, responses } = chatFor(server);
      await chat.sendMessage({ text: 'What do my notes say?' });

      assert.equal(chat.status, 'ready');
      assert.equal(chat.error, undefined);
      const [user, reply] = chat.messages;
      assert.deepEqual(user.parts, [{ type: 'text', text: 'What do my notes say?' }]);
      const state = await confabState(server);
      const stored = state.messages[1];
      assert.equal(reply.id, stored.id, 'the reply has the Confab message id');
      assert.deepEqual(reply.metadata, {
        conversationId: server.conversationId,
        runId: state.runs.at(-1).id,
        confabFinishReason: 'stop',
        usage: state.runs.at(-1).usage,
        cost: state.runs.at(-1).cost,
      });
      const toolPart = reply.parts.find((part) => part.type === 'dynamic-tool');
      assert.deepEqual(
        reply.parts.map((part) => part.type),
        ['step-start', 'reasoning', 'dynamic-tool', 'step-start', 'text'],
      );
      assert.deepEqual(reply.parts[1], { type: 'reasoning', id: stored.parts[0].id, text: 'Look at the notes.', state: 'done', providerMetadata: undefined });
      assert.equal(toolPart?.type === 'dynamic-tool' && toolPart.state, 'output-available');
      assert.deepEqual(toolPart?.type === 'dynamic-tool' && [toolPart.toolName, toolPart.toolCallId, toolPart.input, toolPart.providerExecuted], ['read_file', 'call-1', { path: 'notes.txt' }, true]);
      assert.match(JSON.stringify(toolPart?.type === 'dynamic-tool' && toolPart.output), /alpha/);
      assert.equal(textOf(reply), 'They say alpha.');

      assert.equal(responses.length, 1);
      assert.equal(responses[0].status, 200);
      const body = await responses[0].body;
      assert.deepEqual(chunkTypes(body), [
        'start', 'start-step',
        'reasoning-start', 'reasoning-delta', 'reasoning-end',
        'tool-input-available', 'tool-output-available',
        'finish-step', 'start-step',
        'text-start', 'text-delta', 'text-end',
        'finish-step', 'finish', '[DONE]',
      ]);

      // The same conversation as UIMessages, for an app that reloads: the same parts as Chat built.
      const listed = await server.request('GET', `/v1/ui-chat/${server.conversationId}/messages`);
      assert.equal(listed.status, 200);
      assert.deepEqual(
        listed.body.messages[1].parts.map((part: { type: string }) => part.type),
        reply.parts.map((part) => part.type),
      );
      assert.equal(textOf(listed.body.messages[1]), 'They say alpha.');

      // Both answers are what the OpenAPI document says, checked by a validator that knows no zod.
      const doc = await (await fetch(`${server.url}/v1/openapi.json`)).json();
      const ajv = new Ajv2020({ strict: false });
      ajv.addSchema({ $id: 'confab', components: doc.components });
      const send = doc.paths['/v1/ui-chat'].post;
      assert.equal(send.operationId, 'uiChatSend');
      const chunkSchema = ajv.compile({ $ref: `confab${send.responses['200'].content['text/event-stream'].schema.$ref}` });
      for (const chunk of chunksOf(body).filter((value) => value !== '[DONE]')) assert.ok(chunkSchema(chunk), `${JSON.stringify(chunk)}: ${JSON.stringify(chunkSchema.errors)}`);
      const list = doc.paths['/v1/ui-chat/{id}/messages'].get.responses['200'].content['application/json'].schema;
      const listSchema = ajv.compile({ $ref: `confab${list.$ref}` });
      assert.ok(listSchema(listed.body), JSON.stringify(listSchema.errors));
      assert.ok(doc.paths['/v1/ui-chat/{id}/stream'].get.responses['204']);
    });
  });

  it('the Confab stop endpoint ends the stream with abort; Chat keeps exactly the text streamed, and the stored message says stopped', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hel' }, { text: 'lo' }, { text: ' never' }], holdAfter: 2 });
      const { chat, responses } = chatFor(server);
      const sending = chat.sendMessage({ text: 'Say hello' });
      await eventually(() => textOf(chat.messages[1]) === 'Hello', 10_000, 'the first two deltas');
      const stopped = await server.request('POST', `/v1/conversations/${server.conversationId}/stop`, {});
      assert.equal(stopped.body.run.status, 'stopped');
      await sending;

      assert.equal(chat.status, 'ready');
      assert.equal(textOf(chat.messages[1]), 'Hello');
      const types = chunkTypes(await responses[0].body);
      assert.deepEqual(types.slice(-4), ['text-end', 'finish-step', 'abort', '[DONE]']);
      assert.deepEqual(chunksOf(await responses[0].body).at(-2), { type: 'abort', reason: 'stopped' });
      const state = await confabState(server);
      assert.deepEqual([state.messages[1].status, textOf({ parts: state.messages[1].parts.map((part: any) => ({ type: part.kind, text: part.text })) } as UIMessage)], ['stopped', 'Hello']);
    });
  });

  it('Chat.stop() only closes the connection: the run goes on, and resumeStream() (a new Chat, as after a reload) replays it from the start and follows it to the end', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'One ' }, { text: 'two ' }, { text: 'three.' }], holdAfter: 2 });
      const first = chatFor(server);
      const sending = first.chat.sendMessage({ text: 'Count' });
      await eventually(() => textOf(first.chat.messages[1]) === 'One two ', 10_000, 'two deltas');
      await first.chat.stop();
      await sending;
      assert.equal(first.chat.status, 'ready');
      assert.equal((await confabState(server)).runs.at(-1).status, 'running', 'a disconnect does not stop the run');

      // A reload: the app fetches the messages (the partial reply included) and resumes.
      const listed = await server.request('GET', `/v1/ui-chat/${server.conversationId}/messages`);
      assert.equal(textOf(listed.body.messages[1]), 'One two ');
      assert.equal(listed.body.messages[1].parts.at(-1).state, 'streaming');
      const second = chatFor(server, { messages: listed.body.messages });
      const resuming = second.chat.resumeStream();
      await eventually(() => second.chat.status === 'streaming', 10_000, 'the resumed stream');
      assert.equal(textOf(second.chat.messages[1]), 'One two ');
      server.upstream.release();
      await resuming;

      assert.equal(second.chat.status, 'ready');
      assert.equal(second.chat.messages.length, 2, 'the replay replaced the partial message, not appended one');
      assert.equal(textOf(second.chat.messages[1]), 'One two three.');
      assert.equal(second.chat.messages[1].id, listed.body.messages[1].id);
      assert.equal(second.responses[0].method, 'GET');
      assert.equal(second.responses[0].url, `${server.url}/v1/ui-chat/${server.conversationId}/stream`);
      const replay = chunksOf(await second.responses[0].body);
      const textId = (replay[2] as { id: string }).id;
      assert.deepEqual(replay, [
        { type: 'start', messageId: listed.body.messages[1].id, messageMetadata: { conversationId: server.conversationId, runId: listed.body.messages[1].metadata.runId } },
        { type: 'start-step' },
        { type: 'text-start', id: textId },
        { type: 'text-delta', id: textId, delta: 'One two ' },
        { type: 'text-delta', id: textId, delta: 'three.' },
        { type: 'text-end', id: textId },
        { type: 'finish-step' },
        replay.at(-2),
        '[DONE]',
      ]);
      assert.equal((replay.at(-2) as { type: string; finishReason: string }).finishReason, 'stop');

      // Nothing running now: the resume endpoint answers 204 and Chat stays ready.
      const idle = await server.request('GET', `/v1/ui-chat/${server.conversationId}/stream`);
      assert.equal(idle.status, 204);
      const third = chatFor(server, { messages: second.chat.messages });
      await third.chat.resumeStream();
      assert.deepEqual([third.chat.status, third.chat.messages.length], ['ready', 2]);
    });
  });

  it('an approval shows as an approval-requested tool part; answering it through Confab continues the same stream to the end', async () => {
    await withTestServer(
      async (server) => {
        server.upstream.enqueue({ kind: 'stream', chunks: [{ toolCall: { id: 'call-9', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] }, { kind: 'stream', chunks: [{ text: 'Alpha it is.' }] });
        const { chat } = chatFor(server);
        const sending = chat.sendMessage({ text: 'Read my notes' });
        let approvalId = '';
        await eventually(() => {
          const part = chat.messages[1]?.parts.find((candidate) => candidate.type === 'dynamic-tool');
          if (part?.type !== 'dynamic-tool' || part.state !== 'approval-requested') return false;
          approvalId = part.approval.id;
          return true;
        }, 10_000, 'the approval request');
        assert.equal((await confabState(server)).approvals[0].id, approvalId);
        const answered = await server.request('POST', `/v1/conversations/${server.conversationId}/approvals/${approvalId}`, { decision: 'allow-once' });
        assert.equal(answered.status, 200);
        await sending;
        const tool = chat.messages[1].parts.find((part) => part.type === 'dynamic-tool');
        assert.equal(tool?.type === 'dynamic-tool' && tool.state, 'output-available');
        assert.equal(textOf(chat.messages[1]), 'Alpha it is.');
      },
      { approvals: { tools: ['read_file'] } },
    );
  });

  it('a retried attempt is removed with reset-step (no doubled text) and announced as a transient data-retry part', async () => {
    await withTestServer(
      async (server) => {
        server.upstream.enqueue(
          { kind: 'stream', chunks: [{ text: 'Par' }, { text: 'tial' }], holdAfter: 1, errorAfter: { chunks: 2, message: 'overloaded' } },
          { kind: 'stream', chunks: [{ text: 'Whole answer.' }] },
        );
        const retries: unknown[] = [];
        const { chat, responses } = chatFor(server, { onData: (part) => retries.push(part) });
        const sending = chat.sendMessage({ text: 'Go' });
        await eventually(() => textOf(chat.messages[1]) === 'Par', 10_000, 'the first attempt\'s text');
        server.upstream.release();
        await sending;
        assert.equal(chat.status, 'ready');
        assert.equal(textOf(chat.messages[1]), 'Whole answer.');
        assert.deepEqual(chat.messages[1].parts.map((part) => part.type), ['step-start', 'text']);
        const types = chunkTypes(await responses[0].body);
        assert.ok(types.indexOf('reset-step') > types.indexOf('text-delta'), types.join(','));
        assert.equal(retries.length, 1);
        assert.deepEqual((retries[0] as { type: string; data: { attempt: number } }).type, 'data-retry');
      },
    );
  });

  it('a failed run ends the stream with an error chunk: Chat\'s status is error with the run\'s message', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'error', status: 401, message: 'Incorrect API key provided' });
      const { chat } = chatFor(server);
      await chat.sendMessage({ text: 'Hi' });
      assert.equal(chat.status, 'error');
      const run = (await confabState(server)).runs.at(-1);
      assert.equal(run.status, 'failed');
      assert.equal(chat.error?.message, run.error.message);
    });
  });

  it('bad requests get JSON errors with stable codes and send nothing', async () => {
    await withTestServer(async (server) => {
      const user = (parts: unknown[]) => ({ id: 'u1', role: 'user', parts });
      const cases: [unknown, number, string][] = [
        [{ id: 'conv_nope', messages: [user([{ type: 'text', text: 'hi' }])] }, 404, 'not_found'],
        [{ id: server.conversationId, messages: [] }, 400, 'bad_request'],
        [{ id: server.conversationId, messages: [{ id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'hi' }] }] }, 400, 'bad_request'],
        [{ id: server.conversationId, messages: [user([{ type: 'file', url: 'data:,x', mediaType: 'text/plain' }])] }, 400, 'bad_request'],
        [{ id: server.conversationId, messages: [user([{ type: 'text', text: 'hi' }])], trigger: 'regenerate-message' }, 400, 'bad_request'],
        [{ messages: [user([{ type: 'text', text: 'hi' }])] }, 400, 'bad_request'],
      ];
      for (const [body, status, code] of cases) {
        const answer = await server.request('POST', '/v1/ui-chat', body);
        assert.deepEqual([answer.status, answer.body.error?.code], [status, code], JSON.stringify(body));
      }
      assert.equal((await server.request('GET', '/v1/ui-chat/conv_nope/stream')).status, 404);
      assert.equal((await server.request('GET', '/v1/ui-chat/conv_nope/messages')).status, 404);
      const unauthorized = await fetch(`${server.url}/v1/ui-chat/${server.conversationId}/stream`);
      assert.equal(unauthorized.status, 401);
      assert.equal(server.upstream.requests.length, 0);
      assert.equal((await confabState(server)).messages.length, 0);
    });
  });

  it('a repeated request for the same UI message is one send: the second streams the same reply', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Once.' }] });
      const body = { id: server.conversationId, messages: [{ id: 'same-ui-id', role: 'user', parts: [{ type: 'text', text: 'Hi' }] }] };
      const first = await server.request('POST', '/v1/ui-chat', body);
      const second = await server.request('POST', '/v1/ui-chat', body);
      assert.equal(first.headers.get('x-vercel-ai-ui-message-stream'), 'v1');
      assert.deepEqual(chunksOf(second.body), chunksOf(first.body));
      assert.equal(server.upstream.requests.length, 1);
      assert.equal((await confabState(server)).messages.length, 2);
    });
  });
});
