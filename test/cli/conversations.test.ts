import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, startTestServer, type TestServer } from '../support/server-fixture.ts';
import { runCli } from './support/cli-process.ts';

let server: TestServer;
let answeredId: string;

before(async () => {
  server = await startTestServer();
  server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hel' }, { text: 'lo' }] });
  const created = await server.request('POST', '/v1/conversations', { projectName: 'demo', title: 'Greeting' });
  answeredId = created.body.conversation.id;
  await server.request('POST', `/v1/conversations/${answeredId}/messages`, { content: 'Say hello' });
  await eventually(async () => (await server.request('GET', `/v1/conversations/${answeredId}`)).body.runs.at(-1)?.status === 'completed', 20_000, 'the run');
});
after(async () => {
  await server.close();
});

describe('confab conversations', () => {
  test('list shows the conversations newest first as a table, --json as the API page', async () => {
    const [table, json] = await Promise.all([runCli(['conversations', 'list', '--project', 'demo'], { server }), runCli(['conversations', 'list', '--limit', '1', '--json'], { server })]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^\s+#\s+ID\s+PROJECT\s+UPDATED\s+MSGS\s+MODEL\s+TITLE$/);
    assert.match(lines[1], new RegExp(`^\\s+1\\s+${answeredId}\\s+demo\\s+.+\\s+2\\s+fake/m1\\s+Greeting$`));
    assert.match(lines[2], new RegExp(`^\\s+2\\s+${server.conversationId}\\s+demo\\s+.+\\s+0\\s+fake/m1\\s+\\(untitled\\)$`));
    assert.equal(lines.length, 3);
    assert.equal(json.code, 0, json.stderr);
    const page = JSON.parse(json.stdout);
    assert.deepEqual(page.conversations.map((conversation: any) => conversation.id), [answeredId]);
    assert.equal(typeof page.nextBefore, 'number');
  });

  test('list refuses a bad --limit (2) and an unknown project (1)', async () => {
    const [limit, project] = await Promise.all([runCli(['conversations', 'list', '--limit', '0'], { server }), runCli(['conversations', 'list', '--project', 'nope'], { server })]);
    assert.equal(limit.code, 2);
    assert.match(limit.stderr, /--limit must be a whole number from 1 to 200/);
    assert.equal(project.code, 1);
    assert.match(project.stderr, /no project named "nope"/);
  });

  test('show prints the messages; --json the full state; an unknown id exits 1', async () => {
    const [text, json, missing, noId] = await Promise.all([
      runCli(['conversations', 'show', answeredId], { server }),
      runCli(['conversations', 'show', answeredId, '--json'], { server }),
      runCli(['conversations', 'show', 'conv_nope'], { server }),
      runCli(['conversations', 'show'], { server }),
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^Greeting · ${answeredId}\\nproject demo · fake/m1 · 2 messages · `));
    assert.match(text.stdout, /\n\nuser · [^\n]+\nSay hello\n\nassistant · [^\n]+ · fake\/m1 · 10 in, 2 out tokens · \$0\.000014\nHello\n$/);
    assert.equal(json.code, 0, json.stderr);
    const detail = JSON.parse(json.stdout);
    assert.equal(detail.conversation.id, answeredId);
    assert.equal(detail.messages.length, 2);
    assert.equal(typeof detail.cursor, 'string');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'confab conversations show: no conversation conv_nope. List them with `confab conversations list`.\n');
    assert.equal(noId.code, 2);
    assert.match(noId.stderr, /missing ID/);
  });

  test('show N and delete N take the row number of `conversations list` (with the same --project), fetched anew', async () => {
    const [first, second, beyond, zero] = await Promise.all([
      runCli(['conversations', 'show', '1'], { server }),
      runCli(['conversations', 'show', '2', '--project', 'demo', '--json'], { server }),
      runCli(['conversations', 'show', '99'], { server }),
      runCli(['conversations', 'show', '0'], { server }),
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^Greeting · ${answeredId}\\n`));
    assert.equal(second.code, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).conversation.id, server.conversationId);
    assert.equal(beyond.code, 1);
    assert.equal(beyond.stderr, 'confab conversations show: there is no row 99: `confab conversations list` has 2 rows.\n');
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /row numbers go from 1 to 200, got "0"/);

    const created = (await server.request('POST', '/v1/conversations', { projectName: 'demo', title: 'Scratch' })).body.conversation;
    const deleted = await runCli(['conversations', 'delete', '1'], { server });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, `Deleted conversation ${created.id} (row 1: Scratch).\n`);
    assert.equal((await server.request('GET', `/v1/conversations/${created.id}`)).status, 404);
    assert.equal((await server.request('GET', `/v1/conversations/${answeredId}`)).status, 200);
  });

  test('delete removes the conversation for good; deleting it again exits 1', async () => {
    const created = await server.request('POST', '/v1/conversations', { projectName: 'demo' });
    const id = created.body.conversation.id;
    const deleted = await runCli(['conversations', 'delete', id], { server });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, `Deleted conversation ${id}.\n`);
    assert.equal((await server.request('GET', `/v1/conversations/${id}`)).status, 404);
    const again = await runCli(['conversations', 'delete', id], { server });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no conversation/);
  });
});
