/**
 * `confab acp` as a subprocess, driven by the official `@agentclientprotocol/sdk` client side over
 * its stdio, against a real Confab server (in this process) and the fake OpenAI upstream: what an
 * ACP editor (Zed, JetBrains) does, with the protocol library they use.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { client, methods, ndJsonStream, type ClientContext, type RequestPermissionRequest, type RequestPermissionResponse, type SessionNotification } from '@agentclientprotocol/sdk';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';

const mainScript = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

type Editor = {
  updates: SessionNotification[];
  permissions: RequestPermissionRequest[];
  stderr: () => string;
  child: ChildProcess;
};

/**
 * Runs `confab acp` and an SDK client connected to it for the length of `op`. `answer` decides each
 * permission request (default: cancelled).
 */
async function withEditor<T>(
  server: TestServer,
  op: (agent: ClientContext, editor: Editor) => Promise<T>,
  answer: (request: RequestPermissionRequest) => RequestPermissionResponse = () => ({ outcome: { outcome: 'cancelled' } }),
): Promise<T> {
  const child = spawn(process.execPath, [mainScript, 'acp', '--url', server.url, '--token', server.token], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const editor: Editor = { updates: [], permissions: [], stderr: () => stderr, child };
  const app = client({ name: 'confab-test-editor' })
    .onNotification(methods.client.session.update, ({ params }) => void editor.updates.push(params))
    .onRequest(methods.client.session.requestPermission, ({ params }) => {
      editor.permissions.push(params);
      return answer(params);
    });
  const stream = ndJsonStream(Writable.toWeb(child.stdin!) as WritableStream<Uint8Array>, Readable.toWeb(child.stdout!) as ReadableStream<Uint8Array>);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    return await app.connectWith(stream, async (agent) => {
      const init = await agent.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      assert.equal(init.protocolVersion, 1);
      return op(agent, editor);
    });
  } finally {
    child.stdin!.end();
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    assert.equal(code, 0, `confab acp exits 0 when the editor closes stdin; stderr: ${stderr}`);
  }
}

const textOf = (updates: SessionNotification[], kind: 'agent_message_chunk' | 'agent_thought_chunk' | 'user_message_chunk') =>
  updates
    .map((notification) => notification.update)
    .map((update) => (update.sessionUpdate === kind && update.content.type === 'text' ? update.content.text : ''))
    .join('');
/** Update kinds in order, repeats in a row counted once (how many chunks a text comes in depends on timing). */
const kinds = (updates: SessionNotification[]) => updates.map((notification) => notification.update.sessionUpdate).filter((kind, index, all) => all[index - 1] !== kind);
/** Tool call statuses as sent: each state the watch saw; a state it skipped (pending to running in one batch) is not sent. */
const isSubsequence = (seen: unknown[], of: unknown[]) => seen.every((value, index) => of.indexOf(value) >= 0 && (index === 0 || of.indexOf(value) > of.indexOf(seen[index - 1])));

async function stored(server: TestServer, id: string) {
  return (await server.request('GET', `/v1/conversations/${id}`)).body;
}

describe('confab acp (Agent Client Protocol server) with the official SDK client', () => {
  it('initialize, session/new in a registered project, session/prompt: reasoning, a tool call and the answer arrive as session/updates; end_turn', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue(
        { kind: 'stream', chunks: [{ reasoning: 'I should read them.' }, { toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] },
        { kind: 'stream', chunks: [{ text: 'They list ' }, { text: 'alpha.' }] },
      );
      await withEditor(server, async (agent, editor) => {
        const { sessionId } = await agent.request(methods.agent.session.new, { cwd: server.projectDir, mcpServers: [] });
        const conversation = (await stored(server, sessionId)).conversation;
        assert.equal(conversation.projectName, 'demo');

        const answer = await agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: 'text', text: 'What is in my notes?' }] });
        assert.equal(answer.stopReason, 'end_turn');
        assert.ok(editor.updates.every((notification) => notification.sessionId === sessionId));
        // The updates follow the watched state: a tool call first seen already settled (its events
        // arrived in one batch, as on a loaded machine) is one tool_call with its final status.
        assert.deepEqual(kinds(editor.updates).filter((kind) => kind !== 'tool_call_update'), ['agent_thought_chunk', 'tool_call', 'agent_message_chunk']);
        assert.ok(isSubsequence(kinds(editor.updates), ['agent_thought_chunk', 'tool_call', 'tool_call_update', 'agent_message_chunk']), kinds(editor.updates).join());
        assert.equal(textOf(editor.updates, 'agent_thought_chunk'), 'I should read them.');
        assert.equal(textOf(editor.updates, 'agent_message_chunk'), 'They list alpha.');
        const calls = editor.updates.map((notification) => notification.update).filter((update) => update.sessionUpdate === 'tool_call' || update.sessionUpdate === 'tool_call_update');
        assert.ok(calls.every((update) => update.toolCallId === 'call-1'));
        const statuses = calls.map((update) => update.status);
        assert.ok(isSubsequence(statuses, ['pending', 'in_progress', 'completed']) && statuses.at(-1) === 'completed', statuses.join());
        assert.deepEqual(calls[0].sessionUpdate === 'tool_call' && [calls[0].title, calls[0].kind, calls[0].rawInput], ['read_file notes.txt', 'read', { path: 'notes.txt' }]);
        const done = calls.at(-1)!;
        assert.match(JSON.stringify(done.sessionUpdate === 'tool_call_update' && done.content), /alpha/);
        const state = await stored(server, sessionId);
        assert.equal(state.messages[0].parts[0].text, 'What is in my notes?');
        assert.equal(state.messages[1].status, 'completed');
      });
    });
  });

  it('session/new in an unregistered directory registers it as a project named after it; a resource_link and an embedded resource become context', async () => {
    await withTestServer(async (server) => {
      const dir = await realpath(await mkdtemp(join(tmpdir(), 'confab-acp-new-')));
      await writeFile(join(dir, 'spec.txt'), 'the spec, read by the server\n');
      try {
        server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Seen.' }] });
        await withEditor(server, async (agent) => {
          const { sessionId } = await agent.request(methods.agent.session.new, { cwd: dir, mcpServers: [] });
          const { project } = (await server.request('GET', `/v1/projects/${basename(dir)}`)).body;
          assert.equal(project.path, dir);
          const answer = await agent.request(methods.agent.session.prompt, {
            sessionId,
            prompt: [
              { type: 'text', text: 'Compare these' },
              { type: 'resource', resource: { uri: `file://${dir}/draft.md`, text: 'unsaved draft', mimeType: 'text/markdown' } },
              { type: 'resource_link', uri: `file://${dir}/spec.txt`, name: 'spec.txt' },
            ],
          });
          assert.equal(answer.stopReason, 'end_turn');
          const parts = (await stored(server, sessionId)).messages[0].parts;
          assert.deepEqual(parts.map((part: { kind: string; path?: string; content?: string; text?: string }) => [part.kind, part.path ?? part.text, part.content]), [
            ['context', 'draft.md', 'unsaved draft'],
            ['context', 'spec.txt', 'the spec, read by the server\n'],
            ['text', 'Compare these', undefined],
          ]);
          await assert.rejects(agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }] }), /image content is not supported/);
          await assert.rejects(agent.request(methods.agent.session.prompt, { sessionId: 'conv_nope', prompt: [{ type: 'text', text: 'hi' }] }), (error: { code?: number }) => error.code === -32002 || /not found/i.test(String(error)));
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  it('a tool call that needs approval is a session/request_permission; the option chosen is the decision (allow once, then deny)', async () => {
    await withTestServer(
      async (server) => {
        const readCall = (id: string) => ({ kind: 'stream' as const, chunks: [{ toolCall: { id, name: 'read_file', arguments: '{"path":"notes.txt"}' } }] });
        server.upstream.enqueue(readCall('call-a'), { kind: 'stream', chunks: [{ text: 'Alpha.' }] }, readCall('call-b'), { kind: 'stream', chunks: [{ text: 'Not allowed, then.' }] });
        const decisions = ['allow-once', 'deny'];
        await withEditor(
          server,
          async (agent, editor) => {
            const { sessionId } = await agent.request(methods.agent.session.new, { cwd: server.projectDir, mcpServers: [] });
            assert.equal((await agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: 'text', text: 'Read my notes' }] })).stopReason, 'end_turn');
            assert.equal((await agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: 'text', text: 'Again' }] })).stopReason, 'end_turn');

            assert.equal(editor.permissions.length, 2);
            const [first] = editor.permissions;
            assert.equal(first.sessionId, sessionId);
            assert.deepEqual([first.toolCall.toolCallId, first.toolCall.title, first.toolCall.rawInput], ['call-a', 'read_file notes.txt', { path: 'notes.txt' }]);
            assert.deepEqual(
              first.options.map((option) => [option.optionId, option.kind]),
              [['allow-once', 'allow_once'], ['allow-always', 'allow_always'], ['deny', 'reject_once'], ['deny-always', 'reject_always']],
            );
            const state = await stored(server, sessionId);
            const calls = state.messages.filter((message: { role: string }) => message.role === 'assistant').map((message: { parts: { kind: string; state?: { status: string } }[] }) => message.parts.find((part) => part.kind === 'tool-call')?.state?.status);
            assert.deepEqual(calls, ['completed', 'error']);
            const statuses = editor.updates.map((notification) => notification.update).filter((update) => update.sessionUpdate === 'tool_call_update').map((update) => update.status);
            assert.deepEqual(statuses.filter((status) => status !== 'in_progress'), ['completed', 'failed']);
          },
          () => ({ outcome: { outcome: 'selected', optionId: decisions.shift()! } }),
        );
      },
      { approvals: { tools: ['read_file'] } },
    );
  });

  it('session/cancel stops the run on the server; the prompt answers cancelled with the text streamed so far kept', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Once upon ' }, { text: 'a time' }, { text: ' never told.' }], holdAfter: 2 });
      await withEditor(server, async (agent, editor) => {
        const { sessionId } = await agent.request(methods.agent.session.new, { cwd: server.projectDir, mcpServers: [] });
        const prompting = agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: 'text', text: 'A story' }] });
        await eventually(() => textOf(editor.updates, 'agent_message_chunk') === 'Once upon a time', 10_000, 'two chunks');
        await agent.notify(methods.agent.session.cancel, { sessionId });
        assert.equal((await prompting).stopReason, 'cancelled');
        const state = await stored(server, sessionId);
        assert.deepEqual([state.runs.at(-1).status, state.messages[1].status, state.messages[1].parts[0].text], ['stopped', 'stopped', 'Once upon a time']);
      });
    });
  });

  it('session/load in a new process replays the history, then follows the reply still being written; session/list lists the sessions', async () => {
    await withTestServer(async (server) => {
      server.upstream.enqueue(
        { kind: 'stream', chunks: [{ toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] },
        { kind: 'stream', chunks: [{ text: 'First answer.' }] },
        { kind: 'stream', chunks: [{ text: 'Second ' }, { text: 'answer, ' }, { text: 'finished later.' }], holdAfter: 2 },
      );
      const sessionId = await withEditor(server, async (agent, editor) => {
        const { sessionId } = await agent.request(methods.agent.session.new, { cwd: server.projectDir, mcpServers: [] });
        await agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: 'text', text: 'Read my notes' }] });
        void agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: 'text', text: 'And then?' }] }).catch(() => undefined);
        await eventually(() => textOf(editor.updates, 'agent_message_chunk') === 'First answer.Second answer, ', 10_000, 'the second reply to begin');
        return sessionId;
      });
      // The editor went away mid-reply (stdin closed, `confab acp` exited): the run goes on.
      assert.equal((await stored(server, sessionId)).runs.at(-1).status, 'running');

      await withEditor(server, async (agent, editor) => {
        const listed = await agent.request(methods.agent.session.list, { cwd: server.projectDir });
        assert.ok(listed.sessions.some((session) => session.sessionId === sessionId && session.cwd === server.projectDir && session.title === 'Read my notes'), JSON.stringify(listed));
        const elsewhere = await agent.request(methods.agent.session.list, { cwd: tmpdir() });
        assert.deepEqual(elsewhere.sessions, []);

        await agent.request(methods.agent.session.load, { sessionId, cwd: server.projectDir, mcpServers: [] });
        // Everything up to now arrived before the load answered.
        assert.equal(textOf(editor.updates, 'user_message_chunk'), 'Read my notesAnd then?');
        assert.equal(textOf(editor.updates, 'agent_message_chunk'), 'First answer.Second answer, ');
        const call = editor.updates.map((notification) => notification.update).find((update) => update.sessionUpdate === 'tool_call');
        assert.deepEqual(call?.sessionUpdate === 'tool_call' && [call.toolCallId, call.status], ['call-1', 'completed']);
        server.upstream.release();
        await eventually(() => textOf(editor.updates, 'agent_message_chunk') === 'First answer.Second answer, finished later.', 10_000, 'the rest of the reply, live');
        await assert.rejects(agent.request(methods.agent.session.load, { sessionId: 'conv_nope', cwd: server.projectDir, mcpServers: [] }));
      });
    });
  });

  it('a server that cannot be reached: confab acp says so on stderr and exits 1 before speaking the protocol', async () => {
    const child = spawn(process.execPath, [mainScript, 'acp', '--url', 'http://127.0.0.1:9', '--token', 'x'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /confab acp: Cannot reach Confab at http:\/\/127\.0\.0\.1:9/);
  });
});
