/**
 * Path traversal corpus: every bad path in path-corpus.ts goes through read_file (the project
 * tools on a ToolRegistry, as a run uses them) and through a context attachment on a send to a
 * real server. Then another process swaps a project directory for a symlink out while both are
 * read, for scaled(2 s, 10 s). Asserted throughout: never the outside content, always an error
 * with a stable code (never 500 / internal, never a raw errno text), the server healthy, and no
 * descriptors or threads left behind (counted in /proc/self: the server runs in this process).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createProjectTools } from '../../src/tools/project/project-tools.ts';
import { startSymlinkSwapper } from '../../src/tools/project/symlink-swapper.ts';
import { ToolRegistry } from '../../src/tools/tool-registry.ts';
import { eventually, startTestServer, testModel, type TestServer } from '../support/server-fixture.ts';
import { buildCorpus, outsideSecret, type Corpus, type ErrorCode } from './path-corpus.ts';
import { scaled } from './scale.ts';

const raceMs = scaled(2_000, 10_000);
const statusOf: Record<ErrorCode, number> = { bad_request: 400, forbidden: 403, not_found: 404 };
const descriptors = () => readdirSync('/proc/self/fd').length;
const threads = () => readdirSync('/proc/self/task').length;
/** What a raw Node error looks like (`ENOENT: no such file…`): never shown to the model or a client. */
const rawErrno = /\bE[A-Z]{3,}\b/;

describe('path traversal corpus', () => {
  let server: TestServer;
  let corpus: Corpus;
  const registry = new ToolRegistry();
  for (const tool of createProjectTools({ searchText: { timeLimitMs: 500 } })) registry.register(tool);
  let baseline: { descriptors: number; threads: number };
  const figures: Record<string, unknown> = {};

  before(async () => {
    server = await startTestServer({ hubLimits: { maxQueuedRuns: 1000 } });
    corpus = await buildCorpus(server.projectDir);
    baseline = { descriptors: descriptors(), threads: threads() };
  });
  after(async () => {
    await corpus?.cleanup();
    await server?.close();
    console.log(`path traversal figures: ${JSON.stringify(figures)}`);
  });

  const tool = (toolName: string, input: unknown) =>
    registry.execute({ toolName, input }, { projectRoot: server.projectDir, signal: new AbortController().signal });
  const send = (path: string, conversationId = server.conversationId) =>
    server.request('POST', `/v1/conversations/${conversationId}/messages`, { content: 'x', context: [{ path }] });

  /** An error result must be a plain, stable message: no secret, no server path, no raw errno. */
  const assertCleanError = (output: unknown, what: string) => {
    assert.equal(typeof output, 'string', what);
    const text = output as string;
    assert.ok(!text.includes(outsideSecret), `${what} leaked the secret`);
    assert.ok(!text.includes(corpus.outside) || what.includes('absolute'), `${what} named the outside directory: ${text}`);
    assert.ok(!text.includes(server.projectDir), `${what} named the project directory: ${text}`);
    assert.doesNotMatch(text, rawErrno, `${what}: ${text}`);
  };

  describe('read_file', () => {
    it('refuses every bad path with a clean error result', async (t) => {
      for (const entry of corpus.cases) {
        if (entry.skip) {
          t.diagnostic(`skipped ${entry.name}: ${entry.skip}`);
          continue;
        }
        const result = await tool('read_file', { path: entry.path });
        assert.equal(result.isError, true, `${entry.name}: ${JSON.stringify(result.output).slice(0, 200)}`);
        assertCleanError(result.output, entry.name);
      }
    });

    it('search_text on the special files answers at once with an error', async () => {
      for (const path of ['pipe', 'pipe-link', 'sock', 'dev-zero', 'proc-environ']) {
        const result = await tool('search_text', { query: 'x', path });
        assert.equal(result.isError, true, `${path}: ${JSON.stringify(result.output)}`);
        assertCleanError(result.output, path);
      }
    });
  });

  describe('context attachments over the server', () => {
    it('refuses every bad path with its stable code and changes nothing', async (t) => {
      let checked = 0;
      for (const entry of corpus.cases) {
        if (entry.skip) {
          t.diagnostic(`skipped ${entry.name}: ${entry.skip}`);
          continue;
        }
        const response = await send(entry.path);
        const what = `${entry.name} (${JSON.stringify(response.body).slice(0, 300)})`;
        assert.equal(response.status, statusOf[entry.code], what);
        assert.equal(response.body.error.code, entry.code, what);
        assertCleanError(response.body.error.message, entry.name);
        checked++;
      }
      figures.corpusCases = checked;
      const { body } = await server.request('GET', `/v1/conversations/${server.conversationId}`);
      assert.deepEqual(body.messages, []);
      assert.deepEqual(body.runs, []);
      assert.equal(server.upstream.requests.length, 0);
    });
  });

  it(`the symlink-swap race never yields the outside file (${raceMs} ms)`, async () => {
    const swapper = await startSymlinkSwapper({
      root: server.projectDir,
      outside: corpus.outside,
      insideContent: 'inside\n',
      outsideContent: `${outsideSecret}\n`,
      maxMs: raceMs + 30_000,
    });
    const counts = { toolReads: 0, toolRefusals: 0, sends: 0, sendRefusals: 0, escaped: 0, internal: 0 };
    // A successful send starts a run; a fresh conversation every 20 keeps each prompt small.
    server.upstream.enqueue(...Array.from({ length: 5000 }, () => ({ kind: 'stream' as const, chunks: [{ text: 'ok' }] })));
    let conversationId = server.conversationId;
    const until = Date.now() + raceMs;
    const readLoop = async () => {
      while (Date.now() < until) {
        const result = await tool('read_file', { path: swapper.target });
        if (result.isError) {
          assertCleanError(result.output, 'read_file under swaps');
          counts.toolRefusals++;
        } else if ((result.output as { content: string }).content.includes(outsideSecret)) counts.escaped++;
        else counts.toolReads++;
      }
    };
    const sendLoop = async () => {
      while (Date.now() < until) {
        const response = await send(swapper.target, conversationId);
        if (response.status === 202) {
          if (JSON.stringify(response.body).includes(outsideSecret)) counts.escaped++;
          else counts.sends++;
          if (counts.sends % 20 === 0) conversationId = (await server.hub.createConversation({ projectName: 'demo', model: testModel })).id;
          continue;
        }
        if (response.status >= 500 || response.body?.error?.code === 'internal') counts.internal++;
        else {
          assert.ok([400, 404, 409].includes(response.status), JSON.stringify(response.body));
          assertCleanError(response.body.error.message, 'send under swaps');
          counts.sendRefusals++;
        }
      }
    };
    try {
      await Promise.all([readLoop(), readLoop(), sendLoop(), sendLoop()]);
    } finally {
      await swapper.stop();
    }
    figures.race = { ms: raceMs, ...counts };
    assert.equal(counts.escaped, 0, JSON.stringify(counts));
    assert.equal(counts.internal, 0, JSON.stringify(counts));
    assert.ok(counts.toolReads > 0 && counts.sends > 0, `the race never let a read through: ${JSON.stringify(counts)}`);
  });

  it('afterwards the server is healthy, and no descriptor or thread is left behind', async () => {
    const health = await server.request('GET', '/v1/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    await eventually(async () => (await server.request('GET', '/v1/sessions')).body.sessions.every((session: { status: string }) => session.status === 'idle'), 30_000, 'runs to end');
    // Idle keep-alive sockets (client and server side) close within about 5 s.
    await eventually(() => descriptors() <= baseline.descriptors, 20_000, `descriptors back to ${baseline.descriptors} (now ${descriptors()})`);
    await eventually(() => threads() <= baseline.threads, 20_000, `threads back to ${baseline.threads} (now ${threads()})`);
    figures.descriptors = { baseline: baseline.descriptors, after: descriptors() };
    figures.threads = { baseline: baseline.threads, after: threads() };
  });
});
