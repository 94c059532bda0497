import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, startTestServer, type TestServer } from '../support/server-fixture.ts';
import { hasScript, runCli, startPtyCli } from './support/cli-process.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const texts = (detail: any) => detail.messages.map((message: any) => message.parts.filter((part: any) => part.kind === 'text').map((part: any) => part.text).join(''));

/** The conversation the chat said it created. */
async function createdConversation(output: string): Promise<any> {
  const id = /· new conversation (conv_\w+)/.exec(output)?.[1];
  assert.ok(id, `the chat names the conversation it created:\n${output}`);
  return (await server.request('GET', `/v1/conversations/${id}`)).body;
}

describe('confab chat with piped stdin', () => {
  test('sends each line after the previous reply ended, runs /list and leaves at /exit', async () => {
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hel' }, { text: 'lo' }], delayMs: 5 }, { kind: 'stream', chunks: [{ text: 'Wor' }, { text: 'ld' }] });
    const result = await runCli(['chat'], { server, input: 'First question\nSecond question\n/list\n/exit\nnever sent\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const detail = await createdConversation(result.stdout);
    const id = detail.conversation.id;
    assert.deepEqual(texts(detail), ['First question', 'Hello', 'Second question', 'World']);
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], 'confab chat · project demo (the only project) · new conversation · fake/m1');
    assert.deepEqual(lines.slice(1, 6), [`· new conversation ${id}`, '> First question', 'Hello', '> Second question', 'World']);
    assert.match(lines[6], /^\s+#\s+ID\s+PROJECT\s+UPDATED\s+MSGS\s+MODEL\s+TITLE$/);
    const row = lines.slice(7).find((line) => line.includes(id));
    assert.match(row!, new RegExp(`^\\*\\s+1\\s+${id}\\s+demo\\s+\\S.*\\s+4\\s+fake/m1\\s+First question$`));
    assert.equal(server.upstream.requests.filter((request) => JSON.stringify(request.body).includes('never sent')).length, 0);
  });

  test('a failed reply is reported, the chat carries on, and exits 1 at the end of input', async () => {
    server.upstream.enqueue({ kind: 'error', status: 401, message: 'bad key' }, { kind: 'stream', chunks: [{ text: 'fine' }] });
    const result = await runCli(['chat', '--project', 'demo'], { server, input: 'Will fail\n/nonsense\nWill work\n' });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /> Will fail\n✗ .*bad key.*\n> Will work\nfine\n$/);
    assert.match(result.stderr, /unknown command \/nonsense/);
  });

  test('a first message over the server\'s limit is refused and leaves no empty conversation behind', async () => {
    const conversations = async () => (await server.request('GET', '/v1/conversations?limit=200')).body.conversations.length;
    const before = await conversations();
    const result = await runCli(['chat', '--project', 'demo'], { server, input: `${'x'.repeat(100_001)}\n/exit\n` });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'confab chat: the message has 100001 characters; the server\'s limit is 100000. Nothing was sent.\n');
    assert.doesNotMatch(result.stdout, /new conversation conv_/);
    assert.equal(await conversations(), before);
  });

  test('/context attaches lines to the next message; /new, /switch N, /model and /stop work between messages', async () => {
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Read it' }] }, { kind: 'stream', chunks: [{ text: 'Fresh' }] }, { kind: 'stream', chunks: [{ text: 'Back' }] });
    const before = server.upstream.requests.length;
    const input = ['/context README.md:2-3', '/context', 'What does it say?', '/stop', '/new', '/model fake/m1', '/model nope/x', 'Fresh start', '/list', '/switch 2', 'Back again', '/exit', ''].join('\n');
    const result = await runCli(['chat', '--project', 'demo'], { server, input, cwd: server.projectDir });
    assert.equal(result.code, 1, 'a refused command makes a piped chat exit 1');
    assert.equal(result.stderr, 'confab chat: unknown model nope/x — /model lists the models\n');
    const first = await createdConversation(result.stdout);
    const second = await createdConversation(result.stdout.slice(result.stdout.indexOf('new conversation in project demo')));
    assert.notEqual(first.conversation.id, second.conversation.id);
    assert.deepEqual(texts(first), ['What does it say?', 'Read it', 'Back again', 'Back']);
    assert.deepEqual(texts(second), ['Fresh start', 'Fresh']);
    const { id: _id, ...context } = first.messages[0].parts.find((part: any) => part.kind === 'context');
    assert.deepEqual(context, { kind: 'context', path: 'README.md', content: 'line two\nline three\n', range: { start: 2, end: 3 } });
    assert.match(JSON.stringify(server.upstream.requests[before].body.messages), /line two\\nline three/);
    assert.match(result.stdout, /· README\.md:2-3 will be attached to your next message\n· attached to your next message: README\.md:2-3\n/);
    assert.match(result.stdout, /· nothing is running\n· new conversation in project demo/);
    assert.match(result.stdout, new RegExp(`· switched to "What does it say\\?" \\(${first.conversation.id}\\)`));
  });
});

describe('confab chat /continue', () => {
  test('carries on a reply cut at the length limit in the same message; with nothing to continue it says so', async () => {
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Once' }, { text: ' upon' }], finishReason: 'length' }, { kind: 'stream', chunks: [{ text: ' a time.' }] });
    const result = await runCli(['chat', '--project', 'demo'], { server, input: '/continue\nTell me a story\n/continue\n/continue\n/exit\n' });
    assert.equal(result.code, 1, 'a refused command makes a piped chat exit 1');
    const detail = await createdConversation(result.stdout);
    assert.deepEqual(texts(detail), ['Tell me a story', 'Once upon a time.']);
    const last = detail.runs.at(-1);
    assert.deepEqual([last.trigger, last.status, last.finishReason], ['continue', 'completed', 'stop']);
    assert.match(result.stdout, /\nOnce upon\n· continuing the last reply\n a time\.\n/, 'only what the continue adds is printed');
    const errors = result.stderr.trim().split('\n');
    assert.equal(errors.length, 2, result.stderr);
    assert.match(errors[0], /^confab chat: nothing to continue: this conversation has no reply yet$/);
    assert.match(errors[1], /^confab chat: \/continue: /);
  });
});

describe('confab chat in a terminal', { skip: hasScript() ? false : 'script (util-linux) is not installed' }, () => {
  test('Ctrl-C while a reply streams stops the run on the server; /exit leaves with 0', async () => {
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hel' }, { text: 'lo' }, { text: ' never shown' }], holdAfter: 2 });
    const chat = startPtyCli(['chat', '--project', 'demo'], { server });
    try {
      await chat.waitFor(/Type a message[^\n]*\n> $/);
      chat.write('Tell me a story\r');
      await chat.waitFor(/Hello/);
      const detail = await createdConversation(chat.output());
      assert.equal(detail.runs.at(-1).status, 'running');
      chat.write('\x03');
      await chat.waitFor(/■ stopped\n> $/);
      await eventually(async () => (await createdConversation(chat.output())).runs.at(-1).status === 'stopped', 20_000, 'the run stopped on the server');
      const stopped = await createdConversation(chat.output());
      assert.deepEqual(texts(stopped), ['Tell me a story', 'Hello']);
      assert.equal(stopped.messages.at(-1).status, 'stopped');
      chat.write('/exit\r');
      assert.equal((await chat.exited).code, 0);
      assert.doesNotMatch(chat.output(), /never shown/);
    } finally {
      chat.kill();
    }
  });

  test('text typed while a reply streams stays out of the reply, and waits on the prompt once the reply ends', async () => {
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hel' }, { text: 'lo world' }], holdAfter: 1 }, { kind: 'stream', chunks: [{ text: 'Noted' }] });
    const chat = startPtyCli(['chat', '--project', 'demo'], { server });
    try {
      await chat.waitFor(/Type a message[^\n]*\n> $/);
      chat.write('Greet me\r');
      await chat.waitFor(/Hel/);
      const from = chat.output().length;
      chat.write('typed meanwhile');
      await new Promise((resolve) => setTimeout(resolve, 300)); // let the keystrokes arrive before the rest of the reply
      server.upstream.release();
      await chat.waitFor(/tokens[^\n]*\n> typed meanwhile$/, { from });
      assert.match(chat.output(), /Hello world\n· [^\n]*tokens[^\n]*\n> typed meanwhile$/);
      assert.equal(chat.output().split('typed meanwhile').length, 2, 'shown once, on the prompt');
      chat.write('\r');
      await chat.waitFor(/\n> typed meanwhile\n[^\n]*Noted\n/, { from });
      chat.write('/exit\r');
      assert.equal((await chat.exited).code, 0);
    } finally {
      chat.kill();
    }
  });

  test('Ctrl-C at an empty prompt leaves with 130', async () => {
    const chat = startPtyCli(['chat', '--project', 'demo'], { server, env: { NO_COLOR: '1' } });
    try {
      await chat.waitFor(/Type a message[^\n]*\n> $/);
      assert.doesNotMatch(chat.raw(), /\x1b\[(2|36)m/, 'NO_COLOR: no styling');
      chat.write('\x03');
      assert.equal((await chat.exited).code, 130);
    } finally {
      chat.kill();
    }
  });
});
