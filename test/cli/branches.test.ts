/**
 * Branches from the terminal: `confab chat` /regenerate, /edit, /prev and /next (piped stdin), and
 * `confab conversations show` printing the branch shown with each message's version.
 */
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

describe('confab chat: versions of messages and replies', () => {
  test('/regenerate writes a new version of the reply, /prev and /next move between them, /edit resends the last message', async () => {
    server.upstream.enqueue(reply('Red'), reply('Blue'), reply('Six'));
    const input = ['Name a colour', '/regenerate', '/prev', '/prev', '/next', '/edit What is 3+3?', '/exit', ''].join('\n');
    const result = await runCli(['chat', '--project', 'demo'], { server, input });
    assert.equal(result.stderr, 'confab chat: no previous version of the last reply\n');
    assert.equal(result.code, 1, 'a refused command makes a piped chat exit 1');
    const lines = result.stdout.split('\n');
    const from = lines.indexOf('Red');
    assert.deepEqual(lines.slice(from, from + 3), ['Red', '· writing a new version of the reply', 'Blue']);
    assert.match(result.stdout, /· version 1 of 2\nassistant · .* · fake\/m1.*\nRed\n/);
    assert.match(result.stdout, /· version 2 of 2\nassistant · .*\nBlue\n/);
    assert.match(result.stdout, /> What is 3\+3\?\nSix\n/);
    assert.deepEqual(server.upstream.requests.at(-1)!.body.messages.map((message: { content: unknown }) => message.content), ['What is 3+3?']);

    const id = /· new conversation (conv_\w+)/.exec(result.stdout)![1];
    const shown = await runCli(['conversations', 'show', id], { server });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /2 messages shown, 3 on other branches/);
    assert.match(shown.stdout, /\nuser · [^\n]*version 2\/2[^\n]*\nWhat is 3\+3\?\n\nassistant · [^\n]*\nSix\n$/);
  });

  test('/edit without text and /regenerate before any reply say what is wrong and send nothing', async () => {
    const before = server.upstream.requests.length;
    const result = await runCli(['chat', '--project', 'demo'], { server, input: '/regenerate\n/edit\n/exit\n' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'confab chat: /regenerate: this conversation has no reply yet\nconfab chat: usage: /edit TEXT (sent in place of your last message)\n');
    assert.equal(server.upstream.requests.length, before);
  });
});
