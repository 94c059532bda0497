/**
 * `confab serve --database-url` without Redis, as processes: records and the event journal in
 * Postgres (the data directory keeps only the token and the server file), one server per database.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { messageText } from '../../src/events/apply-event.ts';
import { testRedisUrl } from '../../src/engine/redis/redis-test-connection.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../../src/store/postgres/postgres-test-database.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { eventually, runConfab, spawnServe, testToken } from '../support/server-fixture.ts';
import { openSse } from '../support/sse-client.ts';
import { apiOf } from '../reliability/support.ts';

const skip = await postgresUnavailable();
let database: TestDatabase | undefined;
after(async () => database?.drop());

describe('confab serve --database-url (one server, no Redis)', { skip }, () => {
  it('keeps everything in Postgres, refuses a second server and a cluster node on the database, and another data dir takes over after it', async () => {
    database = await createTestDatabase('confab_test_serve_pg');
    const dataDirs = [await mkdtemp(join(tmpdir(), 'confab-serve-pg-')), await mkdtemp(join(tmpdir(), 'confab-serve-pg-'))];
    const project = await makeProjectDir();
    const upstream = await startOpenAIUpstream();
    const env = { CONFAB_TOKEN: testToken };
    const args = ['--database-url', database.url];
    try {
      const first = await spawnServe({ dataDir: dataDirs[0]!, upstreamUrl: upstream.url, args, env });
      let conversationId: string;
      try {
        const api = apiOf(first);
        assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: project.path })).status, 201);
        conversationId = (await api('POST', '/v1/conversations', { projectName: 'demo' })).body.conversation.id;
        upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Held ' }, { text: 'reply' }], holdAfter: 1 });
        const sse = await openSse(`${first.url}/v1/conversations/${conversationId}/events`, { authorization: `Bearer ${first.token}` });
        const sent = await api('POST', `/v1/conversations/${conversationId}/messages`, { content: 'go' });
        await sse.waitFor((event) => event.type === 'part-delta');
        sse.close();

        const second = await runConfab(['serve', '--port', '0', '--data-dir', dataDirs[1]!, ...args], { env });
        assert.deepEqual([second.code, second.stderr], [1, 'confab serve: The database is in use by another Confab server (a single confab serve, or a cluster): stop it, or give this one another database.\n']);
        const node = await runConfab(['serve', '--port', '0', '--data-dir', dataDirs[1]!, ...args, '--redis-url', testRedisUrl], { env: { ...env, CONFAB_REDIS_KEY_PREFIX: `confab-test-${process.pid}:` } });
        assert.deepEqual([node.code, node.stderr], [1, 'confab serve: The database is in use by a single confab serve without Redis: a cluster node cannot share it; stop that server first.\n']);
        // Neither ran recovery over the live run.
        assert.equal((await api('GET', `/v1/conversations/${conversationId}`)).body.runs[0].status, 'running');
        upstream.release();
        await eventually(async () => (await api('GET', `/v1/conversations/${conversationId}`)).body.runs[0].status === 'completed', 15_000, 'the held run');
        assert.equal(sent.status, 202);
      } finally {
        assert.deepEqual(await first.kill('SIGTERM'), { code: 0, signal: null });
      }
      const third = await spawnServe({ dataDir: dataDirs[1]!, upstreamUrl: upstream.url, args, env });
      try {
        const { body } = await apiOf(third)('GET', `/v1/conversations/${conversationId}`);
        assert.deepEqual(body.messages.map(messageText), ['go', 'Held reply'], 'a server with another data dir finds the conversation in the database');
      } finally {
        await third.kill('SIGTERM');
      }
    } finally {
      await upstream.close();
      await project.cleanup();
      for (const dataDir of dataDirs) await rm(dataDir, { recursive: true, force: true });
    }
  });
});
