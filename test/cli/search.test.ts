/** `confab conversations search`: full-text search from the terminal, against a real server. */
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
