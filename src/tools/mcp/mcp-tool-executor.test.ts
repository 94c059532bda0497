/**
 * MCP tools against real MCP servers (the SDK's server side: test/peers/mcp-*-server.ts), over
 * stdio and Streamable HTTP: listing, namespacing, calls, approval defaults, reuse, crash, timeouts,
 * failure to start, bounds, shutdown.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { after, before, describe, it } from 'node:test';
import { startMcpHttpServer, type McpHttpServer } from '../../../test/peers/mcp-http-server.ts';
import { ToolRegistry } from '../tool-registry.ts';
import type { ToolScope } from '../tool.ts';
import { defaultCallTimeoutMs, defaultStartupTimeoutMs, type McpConfig, type McpServerSettings } from './mcp-config.ts';
import { McpPool, type McpPoolOptions } from './mcp-pool.ts';
import { McpToolExecutor } from './mcp-tool-executor.ts';

const stdioScript = fileURLToPath(new URL('../../../test/peers/mcp-stdio-server.ts', import.meta.url));

function stdioServer(name: string, extra: Partial<McpServerSettings> = {}, env: Record<string, string> = {}): McpServerSettings {
  return {
    name,
    transport: { kind: 'stdio', command: process.execPath, args: [stdioScript], env },
    requireApproval: true,
    trustedTools: [],
    startupTimeoutMs: defaultStartupTimeoutMs,
    callTimeoutMs: defaultCallTimeoutMs,
    scope: { kind: 'server' },
    ...extra,
  };
}

function httpServer(name: string, url: string, extra: Partial<McpServerSettings> = {}): McpServerSettings {
  return { ...stdioServer(name), transport: { kind: 'http', url, headers: { 'x-team': 'research' } }, ...extra };
}

function executor(servers: McpServerSettings[], projects: McpConfig['projects'] = {}, pool: Partial<McpPoolOptions> = {}) {
  const registry = new ToolRegistry().register({ name: 'builtin', description: 'A built-in tool.', input: z.object({}), execute: async () => 'ok' });
  const mcpPool = new McpPool({ config: { servers, projects }, clientVersion: '0.0.0-test', ...pool });
  return { tools: new McpToolExecutor({ registry, pool: mcpPool }), pool: mcpPool };
}

/** Waits (bounded) until a process has exited: closing is asynchronous (stdin closed, then signals). */
async function exited(pid: number): Promise<boolean> {
  for (let tries = 0; tries < 200; tries++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function call(tools: McpToolExecutor, scope: ToolScope, toolName: string, input: unknown = {}, signal = new AbortController().signal) {
  return tools.execute({ toolName, input }, { ...scope, signal });
}

let dirs: string[] = [];
async function projectScope(projectName = 'demo'): Promise<ToolScope> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'confab-mcp-project-')));
  dirs.push(root);
  return { projectName, projectRoot: root };
}

describe('MCP tools over stdio', () => {
  after(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    dirs = [];
  });

  it('offers the server tools namespaced, with the server schema, after the built-in tools', async () => {
    const { tools } = executor([stdioServer('files')]);
    const scope = await projectScope();
    try {
      const specs = await tools.specs(scope);
      assert.deepEqual(
        specs.map((spec) => spec.name),
        ['builtin', 'files__echo', 'files__add', 'files__where', 'files__fail', 'files__slow', 'files__crash', 'files__read_notes_' + specs.at(-1)!.name.slice(-8)],
      );
      assert.match(specs.at(-1)!.name, /^files__read_notes_[0-9a-f]{8}$/);
      const add = specs.find((spec) => spec.name === 'files__add')!;
      assert.equal(add.description, 'Adds two numbers.');
      assert.deepEqual(add.inputSchema.required, ['a', 'b']);
      assert.equal(add.inputSchema.type, 'object');
      assert.equal('$schema' in add.inputSchema, false);
      assert.deepEqual(await call(tools, scope, 'files__add', { a: 2, b: 40 }), { output: '42', isError: false });
      assert.deepEqual(await call(tools, scope, specs.at(-1)!.name), { output: 'notes', isError: false });
    } finally {
      await tools.close();
    }
  });

  it('runs one process per project, in its directory, reused across calls, closed on close', async () => {
    const { tools, pool } = executor([stdioServer('files')]);
    const [one, two] = [await projectScope('one'), await projectScope('two')];
    const where = async (scope: ToolScope) => JSON.parse((await call(tools, scope, 'files__where')).output as string) as { cwd: string; pid: number };
    const first = await where(one);
    const again = await where(one);
    const other = await where(two);
    assert.equal(first.cwd, one.projectRoot);
    assert.equal(other.cwd, two.projectRoot);
    assert.equal(again.pid, first.pid);
    assert.notEqual(other.pid, first.pid);
    assert.equal(pool.size, 2);
    await tools.close();
    assert.equal(pool.size, 0);
    for (const pid of [first.pid, other.pid]) assert.equal(await exited(pid), true);
    assert.deepEqual(await call(tools, one, 'files__where'), { output: 'MCP servers are shutting down.', isError: true });
  });

  it('asks for approval by default; requireApproval false and trustedTools turn it off', async () => {
    const { tools } = executor([stdioServer('strict'), stdioServer('loose', { requireApproval: false }), stdioServer('mixed', { trustedTools: ['echo'] })]);
    const scope = await projectScope();
    try {
      assert.equal(tools.needsApproval('strict__echo', scope), true, 'before listing: the server default');
      await tools.specs(scope);
      assert.equal(tools.needsApproval('strict__echo', scope), true);
      assert.equal(tools.needsApproval('loose__echo', scope), false);
      assert.equal(tools.needsApproval('mixed__echo', scope), false);
      assert.equal(tools.needsApproval('mixed__add', scope), true);
      assert.equal(tools.needsApproval('builtin', scope), false);
      assert.equal(tools.needsApproval('nobody__echo', scope), false);
    } finally {
      await tools.close();
    }
  });

  it('a tool error result and a bad argument come back as error results the model can read', async () => {
    const { tools } = executor([stdioServer('files')]);
    const scope = await projectScope();
    try {
      assert.deepEqual(await call(tools, scope, 'files__fail'), { output: 'the widget is broken', isError: true });
      const bad = await call(tools, scope, 'files__add', { a: 'two' });
      assert.equal(bad.isError, true);
      assert.match(String(bad.output), /Input validation error|Invalid/);
      const unknown = await call(tools, scope, 'files__nope');
      assert.equal(unknown.isError, true);
      assert.match(String(unknown.output), /^Unknown tool "files__nope"\. Available tools: files__echo, files__add/);
    } finally {
      await tools.close();
    }
  });

  it('a crash during a call is a clear error; the next call starts a fresh process', async () => {
    const { tools } = executor([stdioServer('files')]);
    const scope = await projectScope();
    try {
      const before = JSON.parse((await call(tools, scope, 'files__where')).output as string).pid;
      assert.deepEqual(await call(tools, scope, 'files__crash'), { output: 'The MCP server "files" stopped while running the tool (its process exited).', isError: true });
      const afterCrash = JSON.parse((await call(tools, scope, 'files__where')).output as string).pid;
      assert.notEqual(afterCrash, before);
    } finally {
      await tools.close();
    }
  });

  it('a call past callTimeoutMs ends with a timeout error; a stop ends it with the abort reason', async () => {
    const { tools } = executor([stdioServer('files', { callTimeoutMs: 200 })]);
    const scope = await projectScope();
    try {
      assert.deepEqual(await call(tools, scope, 'files__slow', { ms: 30_000 }), { output: 'The MCP server "files" did not finish the tool call within 0.2 s.', isError: true });
      const controller = new AbortController();
      const pending = call(tools, scope, 'files__slow', { ms: 30_000 }, controller.signal);
      controller.abort({ kind: 'stop' });
      await assert.rejects(pending, (reason) => (reason as { kind: string }).kind === 'stop');
      assert.deepEqual(await call(tools, scope, 'files__slow', { ms: 1 }), { output: 'waited 1 ms', isError: false });
    } finally {
      await tools.close();
    }
  });

  it('a server that cannot start: its tools are left out, a call says why, and it is not retried until retryAfterMs', async () => {
    const log = join(await projectScope().then((scope) => scope.projectRoot), 'starts.log');
    let now = 1_000;
    const { tools } = executor([stdioServer('broken', {}, { MCP_TEST_EXIT_AT_START: '1', MCP_TEST_START_LOG: log }), stdioServer('files')], {}, { now: () => now, retryAfterMs: 30_000 });
    const scope = await projectScope();
    try {
      const names = (await tools.specs(scope)).map((spec) => spec.name);
      assert.equal(names.some((name) => name.startsWith('broken__')), false);
      assert.equal(names.includes('files__echo'), true);
      const expected = { output: 'The MCP server "broken" could not be started (its process exited).', isError: true };
      assert.deepEqual(await call(tools, scope, 'broken__echo', { text: 'hi' }), expected);
      assert.equal((await readFile(log, 'utf8')).trim().split('\n').length, 1, 'remembered: not started again');
      now += 30_000;
      assert.deepEqual(await call(tools, scope, 'broken__echo', { text: 'hi' }), expected);
      assert.equal((await readFile(log, 'utf8')).trim().split('\n').length, 2, 'tried again after retryAfterMs');
    } finally {
      await tools.close();
    }
  });

  it('a server that never answers the handshake fails after startupTimeoutMs; a missing command says so', async () => {
    const { tools } = executor([
      stdioServer('silent', { startupTimeoutMs: 300 }, { MCP_TEST_SILENT_AT_START: '1' }),
      { ...stdioServer('missing'), transport: { kind: 'stdio', command: 'confab-no-such-mcp-server', args: [], env: {} } },
    ]);
    const scope = await projectScope();
    try {
      assert.deepEqual(await call(tools, scope, 'silent__echo'), { output: 'The MCP server "silent" did not answer within 0.3 s (starting up).', isError: true });
      assert.deepEqual(await call(tools, scope, 'missing__echo'), { output: 'The MCP server "missing" could not be started: command not found.', isError: true });
    } finally {
      await tools.close();
    }
  });

  it('holds at most maxConnections sessions: the least recently used idle one is closed to make room', async () => {
    const { tools, pool } = executor([stdioServer('a'), stdioServer('b')], {}, { maxConnections: 1 });
    const scope = await projectScope();
    try {
      const pidA = JSON.parse((await call(tools, scope, 'a__where')).output as string).pid;
      assert.equal((await call(tools, scope, 'b__echo', { text: 'b' })).output, 'b');
      assert.equal(pool.size, 1);
      assert.equal(await exited(pidA), true);
    } finally {
      await tools.close();
    }
  });

  it('with every session busy, a new server is refused with a clear error rather than queued without bound', async () => {
    const { tools, pool } = executor([stdioServer('a'), stdioServer('b')], {}, { maxConnections: 1 });
    const scope = await projectScope();
    const busy = call(tools, scope, 'a__slow', { ms: 60_000 });
    for (let tries = 0; pool.cached(pool.servers(scope)[0], scope)?.inFlight !== 1; tries++) {
      assert.ok(tries < 400, 'the slow call never started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const refused = await call(tools, scope, 'b__echo', { text: 'b' });
    assert.deepEqual(refused, { output: 'Too many MCP servers are in use at once (the limit is 1); try again when a call has finished.', isError: true });
    await tools.close();
    assert.deepEqual(await busy, { output: 'The MCP server "a" stopped while running the tool (its process exited).', isError: true });
  });

  it('closes a session idle for idleMs', async () => {
    let now = 0;
    const { tools, pool } = executor([stdioServer('files')], {}, { now: () => now, idleMs: 60_000 });
    const scope = await projectScope();
    try {
      const pid = JSON.parse((await call(tools, scope, 'files__where')).output as string).pid;
      now = 59_999;
      pool.sweepIdle();
      assert.equal(pool.size, 1);
      now = 60_000;
      pool.sweepIdle();
      assert.equal(pool.size, 0);
      assert.equal(await exited(pid), true);
    } finally {
      await tools.close();
    }
  });

  it("a project's own server replaces a server-wide one of the same name, for that project only", async () => {
    const { tools } = executor([stdioServer('files')], { special: [stdioServer('files', { requireApproval: false, scope: { kind: 'project', projectName: 'special' } })] });
    const [plain, special] = [await projectScope('plain'), await projectScope('special')];
    try {
      await tools.specs(plain);
      await tools.specs(special);
      assert.equal(tools.needsApproval('files__echo', plain), true);
      assert.equal(tools.needsApproval('files__echo', special), false);
    } finally {
      await tools.close();
    }
  });
});

describe('MCP tools over Streamable HTTP', () => {
  let mcp: McpHttpServer;
  before(async () => {
    mcp = await startMcpHttpServer();
  });
  after(async () => {
    await mcp.close();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('lists and calls tools with the configured headers; one session shared by projects, ended on close', async () => {
    const { tools } = executor([httpServer('web', mcp.url)]);
    const [one, two] = [await projectScope('one'), await projectScope('two')];
    assert.equal((await tools.specs(one)).some((spec) => spec.name === 'web__echo'), true);
    assert.deepEqual(await call(tools, one, 'web__echo', { text: 'over http' }), { output: 'over http', isError: false });
    assert.deepEqual(await call(tools, two, 'web__add', { a: 1, b: 2 }), { output: '3', isError: false });
    assert.equal(mcp.sessions(), 1);
    assert.equal(mcp.requests.every((headers) => headers['x-team'] === 'research'), true);
    await tools.close();
    assert.equal(mcp.sessions(), 0);
  });

  it('a session the server no longer knows (it restarted) fails one call with a clear error; the next call opens a new session', async () => {
    const { tools } = executor([httpServer('web', mcp.url)]);
    const scope = await projectScope();
    try {
      assert.deepEqual(await call(tools, scope, 'web__echo', { text: 'one' }), { output: 'one', isError: false });
      await mcp.dropSessions();
      assert.deepEqual(await call(tools, scope, 'web__echo', { text: 'two' }), {
        output: 'The MCP server "web" answered HTTP 404 (it no longer knows the session: it may have restarted; the next call opens a new one).',
        isError: true,
      });
      assert.deepEqual(await call(tools, scope, 'web__echo', { text: 'three' }), { output: 'three', isError: false });
      assert.equal(mcp.sessions(), 1);
    } finally {
      await tools.close();
    }
  });

  it('a server that is not there: its tools are left out and a call says why', async () => {
    const gone = await startMcpHttpServer();
    const url = gone.url;
    await gone.close();
    const { tools } = executor([httpServer('web', url)]);
    const scope = await projectScope();
    try {
      assert.deepEqual((await tools.specs(scope)).map((spec) => spec.name), ['builtin']);
      assert.deepEqual(await call(tools, scope, 'web__echo', { text: 'x' }), { output: 'The MCP server "web" could not be reached: nothing is listening at its URL.', isError: true });
    } finally {
      await tools.close();
    }
  });
});
