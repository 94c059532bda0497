/**
 * `confab chat` asks inline when a tool call waits for approval: the question is printed, the next
 * line answers it (y, a, n, never, with an optional note), and the reply carries on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { UpstreamResponse } from '../peers/upstream-script.ts';
import { eventually, startTestServer, type TestServer } from '../support/server-fixture.ts';
import { hasScript, runCli, startCli, startPtyCli } from './support/cli-process.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({ approvals: { tools: ['read_file'] } });
});
after(async () => {
  await server.close();
});

const readCall: UpstreamResponse = { kind: 'stream', chunks: [{ toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] };
const question = '? allow read_file {"path":"notes.txt"}?  y = once · a = always in this conversation · n = no · never — a note may follow (n not that file)';

describe('confab chat and approvals, piped', () => {
  test('y allows the call: the tool runs and the reply carries on', async () => {
    server.upstream.enqueue(readCall, { kind: 'stream', chunks: [{ text: 'Your notes: alpha.' }] });
    const result = await runCli(['chat', '--project', 'demo'], { server, input: 'Read my notes\ny\n/exit\n' });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    const asked = lines.indexOf(question);
    assert.ok(asked > 0, result.stdout);
    assert.deepEqual(lines.slice(asked + 1, asked + 3), ['· allowed once', '⚙ read_file {"path":"notes.txt"} · running']);
    assert.match(result.stdout, /· completed\nYour notes: alpha\.\n/);
  });

  test('anything else is refused with a hint; "n" with a note denies, and the model reads the note', async () => {
    server.upstream.enqueue(readCall, { kind: 'stream', chunks: [{ text: 'Understood.' }] });
    const before = server.upstream.requests.length;
    const result = await runCli(['chat', '--project', 'demo'], { server, input: 'Read my notes\nmaybe\nn those are private\n' });
    assert.equal(result.code, 1, 'the refused line makes a piped chat exit 1');
    assert.equal(result.stderr, 'confab chat: a tool call waits for your answer: y (allow once), a (always), n (deny) or never, or /stop\n');
    assert.match(result.stdout, /· denied\n⚙ read_file \{"path":"notes.txt"\} · error\nUnderstood\.\n/);
    const toolMessage = server.upstream.requests[before + 1].body.messages.find((message: { role: string }) => message.role === 'tool');
    assert.equal(toolMessage.content, 'Denied by the user, who wrote: those are private');
  });

  test('/stop ends the wait', async () => {
    server.upstream.enqueue(readCall);
    const before = server.upstream.requests.length;
    const result = await runCli(['chat', '--project', 'demo'], { server, input: 'Read my notes\n/stop\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /■ stopped\n/);
    assert.equal(server.upstream.requests.length, before + 1, 'the model was not asked again');
  });
});

test('confab ask says where to answer, and finishes once someone does', async () => {
  server.upstream.enqueue(readCall, { kind: 'stream', chunks: [{ text: 'Alpha, beta.' }] });
  const ask = startCli(['ask', '--project', 'demo', 'Read my notes'], { server });
  let conversationId: string | undefined;
  await eventually(() => (conversationId = /waits for your approval: answer it in `confab chat --conversation (conv_\w+)` or the web UI/.exec(ask.stderr())?.[1]) !== undefined, 20_000, 'the hint');
  const { body } = await server.request('GET', `/v1/conversations/${conversationId}`);
  const answered = await server.request('POST', `/v1/conversations/${conversationId}/approvals/${body.approvals[0].id}`, { decision: 'allow-once' });
  assert.equal(answered.status, 200);
  const result = await ask.result;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Alpha, beta\./);
});

describe('confab chat and approvals, in a terminal', { skip: hasScript() ? false : 'script (util-linux) is not installed' }, () => {
  test('the prompt comes back for the answer; "a" allows the call and is remembered', async () => {
    server.upstream.enqueue(readCall, { kind: 'stream', chunks: [{ text: 'Alpha.' }] });
    const chat = startPtyCli(['chat', '--project', 'demo'], { server });
    try {
      await chat.waitFor(/Type a message[^\n]*\n> $/);
      chat.write('Read my notes\r');
      await chat.waitFor(/n not that file\)\n> $/);
      chat.write('a\r');
      await chat.waitFor(/Alpha\.[\s\S]*\n> $/);
      assert.match(chat.output(), /· allowed, now and for every later call in this conversation\n/);
      chat.write('/exit\r');
      assert.equal((await chat.exited).code, 0);
    } finally {
      chat.kill();
    }
  });
});
