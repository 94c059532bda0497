/**
 * MCP servers as tools, end to end: a real `confab serve` whose config names a stdio MCP server
 * and a Streamable HTTP one (both built with the official SDK's server side), the fake OpenAI
 * upstream asking for their tools. Approval asked → answered by a client → the tool runs in the
 * project's directory → its result reaches the model; a denial; a server crash mid-call; the
 * stdio server's process ends with the server.
 */
import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { startMcpHttpServer } from '../peers/mcp-http-server.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { apiOf } from '../reliability/support.ts';
import { eventually, fakeProviderConfig, runConfab, spawnServe, type SpawnedServe } from '../support/server-fixture.ts';

const stdioScript = fileURLToPath(new URL('../peers/mcp-stdio-server.ts', import.meta.url));

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** The tool message the model was sent for a call, from the upstream's record of requests. */
function toolMessage(requestBody: any, callId: string): string {
  const message = requestBody.messages.find((candidate: { role: string; tool_call_id?: string }) => candidate.role === 'tool' && candidate.tool_call_id === callId);
  assert.ok(message, `no tool message for ${callId}`);
  return message.content;
}

describe('MCP servers as tools in confab serve', () => {
  it('asks approval for an MCP tool, runs it once allowed, sends its result to the model; deny and crash paths', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-serve-'));
    const project = await makeProjectDir();
    const upstream = await startOpenAIUpstream();
    const mcp = await startMcpHttpServer();
    let serve: SpawnedServe | undefined;
    try {
      const configPath = join(dataDir, 'config.json');
      await writeFile(
        configPath,
        JSON.stringify({
          ...fakeProviderConfig(upstream.url),
          mcpServers: {
            files: { command: process.execPath, args: [stdioScript], trustedTools: ['where', 'crash'] },
            web: { type: 'http', url: mcp.url },
          },
        }),
      );
      serve = await spawnServe({ dataDir, args: ['--config', configPath] });
      const api = apiOf(serve);
      assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: project.path })).status, 201);
      const conversationId = (await api('POST', '/v1/conversations', { projectName: 'demo' })).body.conversation.id;
      const detail = async () => (await api('GET', `/v1/conversations/${conversationId}`)).body;
      const lastRun = async (status: string) => {
        let state: any;
        await eventually(async () => (state = await detail()).runs.at(-1).status === status, 20_000, `the run to be ${status}`);
        return state;
      };

      // 1. Approval asked, answered from a client, the tool runs, its result reaches the model.
      upstream.enqueue(
        { kind: 'stream', chunks: [{ toolCall: { id: 'call-1', name: 'files__echo', arguments: '{"text":"hello from mcp"}' } }] },
        { kind: 'stream', chunks: [{ text: 'It said hello.' }] },
      );
      assert.equal((await api('POST', `/v1/conversations/${conversationId}/messages`, { content: 'Use the echo tool' })).status, 202);
      let state = await lastRun('requires-action');
      const offered = upstream.requests[0].body.tools.map((tool: { function: { name: string } }) => tool.function.name);
      for (const name of ['read_file', 'files__echo', 'files__where', 'web__echo', 'web__add']) assert.ok(offered.includes(name), `${name} offered`);
      const echoSpec = upstream.requests[0].body.tools.find((tool: { function: { name: string } }) => tool.function.name === 'files__echo').function;
      assert.deepEqual(echoSpec.parameters.required, ['text']);
      const approval = state.approvals[0];
      assert.equal(approval.toolName, 'files__echo');
      assert.deepEqual(approval.input, { text: 'hello from mcp' });
      assert.equal(approval.status, 'pending');
      assert.equal((await api('POST', `/v1/conversations/${conversationId}/approvals/${approval.id}`, { decision: 'allow-once' })).status, 200);
      state = await lastRun('completed');
      const echoCall = state.messages[1].parts.find((part: { kind: string }) => part.kind === 'tool-call');
      assert.equal(echoCall.state.status, 'completed');
      assert.equal(echoCall.state.output, 'hello from mcp');
      assert.equal(toolMessage(upstream.requests[1].body, 'call-1'), 'hello from mcp');

      // 2. Denied over HTTP: the tool does not run and the model reads the denial.
      upstream.enqueue(
        { kind: 'stream', chunks: [{ toolCall: { id: 'call-2', name: 'web__add', arguments: '{"a":2,"b":3}' } }] },
        { kind: 'stream', chunks: [{ text: 'Understood.' }] },
      );
      await api('POST', `/v1/conversations/${conversationId}/messages`, { content: 'Add 2 and 3' });
      state = await lastRun('requires-action');
      const denied = state.approvals.find((candidate: { toolName: string }) => candidate.toolName === 'web__add');
      await api('POST', `/v1/conversations/${conversationId}/approvals/${denied.id}`, { decision: 'deny', note: 'not now' });
      await lastRun('completed');
      assert.equal(toolMessage(upstream.requests[3].body, 'call-2'), 'Denied by the user, who wrote: not now');
      const sessionsBefore = mcp.sessions();
      assert.equal(sessionsBefore, 1, 'the tools were listed over one HTTP session');

      // 3. A trusted tool runs without asking, in the project's directory; then the server crashes mid-call.
      upstream.enqueue(
        { kind: 'stream', chunks: [{ toolCall: { id: 'call-3', name: 'files__where', arguments: '{}' } }] },
        { kind: 'stream', chunks: [{ toolCall: { id: 'call-4', name: 'files__crash', arguments: '{}' } }] },
        { kind: 'stream', chunks: [{ text: 'The server crashed.' }] },
      );
      await api('POST', `/v1/conversations/${conversationId}/messages`, { content: 'Where are you, then crash' });
      state = await lastRun('completed');
      const where = JSON.parse(toolMessage(upstream.requests[5].body, 'call-3'));
      assert.equal(where.cwd, await realpath(project.path));
      assert.equal(toolMessage(upstream.requests[6].body, 'call-4'), 'The MCP server "files" stopped while running the tool (its process exited).');
      const crashCall = state.messages.at(-1).parts.find((part: { kind: string; toolCallId: string }) => part.kind === 'tool-call' && part.toolCallId === 'call-4');
      assert.equal(crashCall.state.status, 'error');
      await eventually(() => gone(where.pid), 10_000, 'the crashed process to be gone');

      // 4. The next run starts a fresh process; stopping the server ends it.
      upstream.enqueue({ kind: 'stream', chunks: [{ toolCall: { id: 'call-5', name: 'files__where', arguments: '{}' } }] }, { kind: 'stream', chunks: [{ text: 'Back.' }] });
      await api('POST', `/v1/conversations/${conversationId}/messages`, { content: 'Where now?' });
      await lastRun('completed');
      const fresh = JSON.parse(toolMessage(upstream.requests[8].body, 'call-5'));
      assert.notEqual(fresh.pid, where.pid);
      assert.deepEqual(await serve.kill('SIGTERM'), { code: 0, signal: null });
      serve = undefined;
      await eventually(() => gone(fresh.pid), 10_000, 'the MCP server process to end with confab serve');
      assert.equal(mcp.sessions(), 0, 'the HTTP session was ended');
    } finally {
      await serve?.kill('SIGKILL');
      await mcp.close();
      await upstream.close();
      await project.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a config with an invalid MCP server, naming the field', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-serve-'));
    try {
      const configPath = join(dataDir, 'config.json');
      await writeFile(configPath, JSON.stringify({ mcpServers: { 'bad name': { command: 'x' }, both: { command: 'x', url: 'http://127.0.0.1:1/mcp' }, none: {} } }));
      const result = await runConfab(['serve', '--port', '0', '--data-dir', dataDir, '--config', configPath]);
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr.trim(),
        `confab serve: Invalid config file ${configPath}: mcpServers.both.command: does not apply to a http server; mcpServers.none.command: give a command (stdio) or a url (Streamable HTTP); mcpServers.bad name: MCP server names are letters and digits, joined by single - or _`,
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
