/** `confab conversations search`, `export` and `import` from the terminal, against a real server. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server-fixture.ts';
import { runCli } from './support/cli-process.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const reply = (text: string) => ({ kind: 'stream' as const, chunks: [{ text }] });

describe('confab conversations search', () => {
  test('prints each hit with its conversation and the text around the match; --json gives the hits; bad input is exit 2', async () => {
    server.upstream.enqueue(reply('Rotate it with certbot renew.'));
    const asked = await runCli(['ask', '--project', 'demo', 'How do I renew the TLS certificate?'], { server });
    assert.equal(asked.code, 0, asked.stderr);
    const result = await runCli(['conversations', 'search', 'RENEW'], { server });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^How do I renew the TLS certificate\? · conv_\w+ · demo · assistant · [^\n]+\n {2}Rotate it with certbot renew\.\n\nHow do I renew the TLS certificate\? · conv_\w+ · demo · user · [^\n]+\n {2}How do I renew the TLS certificate\?\n/);
    const json = await runCli(['conversations', 'search', 'certbot', '--json', '--project', 'demo'], { server });
    assert.deepEqual(JSON.parse(json.stdout).map((hit: { snippet: string; highlights: number[][] }) => [hit.snippet, hit.highlights]), [['Rotate it with certbot renew.', [[15, 22]]]]);
    const none = await runCli(['conversations', 'search', 'kubernetes'], { server });
    assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', 'No message matches "kubernetes".\n']);
    const missing = await runCli(['conversations', 'search'], { server });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing WORDS to search for/);
  });
});

describe('confab conversations export and import', () => {
  test('export writes JSON or Markdown; import - reads it back as a new conversation; a bad file is exit 1', async () => {
    server.upstream.enqueue(reply('Blue.'));
    const asked = await runCli(['ask', '--project', 'demo', 'Name a colour'], { server });
    assert.equal(asked.code, 0, asked.stderr);
    const id = (await server.request('GET', '/v1/conversations?limit=1')).body.conversations[0].id;
    const markdown = await runCli(['conversations', 'export', id, '--markdown'], { server });
    assert.equal(markdown.code, 0, markdown.stderr);
    assert.match(markdown.stdout, /^# Name a colour\n\nProject: demo · Model: fake\/m1 · [^\n]+\n\n## You\n\nName a colour\n\n## Assistant \(fake\/m1\)\n\nBlue\.\n/);
    const json = await runCli(['conversations', 'export', id], { server });
    assert.equal(JSON.parse(json.stdout).conversation.id, id);

    const imported = await runCli(['conversations', 'import', '-'], { server, input: json.stdout });
    assert.equal(imported.code, 0, imported.stderr);
    const newId = /^Imported as (conv_\w+) in project demo \(2 messages\)\.\n$/.exec(imported.stdout)?.[1];
    assert.ok(newId, imported.stdout);
    const again = await runCli(['conversations', 'export', newId, '--markdown'], { server });
    assert.equal(again.stdout.replace(/Created: \S+/, ''), markdown.stdout.replace(/Created: \S+/, ''));

    const notJson = await runCli(['conversations', 'import', '-'], { server, input: 'hello' });
    assert.deepEqual([notJson.code, notJson.stderr], [1, 'confab conversations import: standard input is not JSON: export a conversation with `confab conversations export ID`.\n']);
    const missing = await runCli(['conversations', 'import', 'no-such-file.json'], { server });
    assert.deepEqual([missing.code, missing.stderr], [1, 'confab conversations import: cannot read no-such-file.json: no such file.\n']);
    const wrong = await runCli(['conversations', 'import', '-'], { server, input: '{"format":"other"}' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /Not a Confab conversation export/);
  });
});
