/**
 * Chat panels on the fake `vscode` API against a real Confab server: what the page is sent while a
 * reply streams, stops, survives a cut link, and what happens to sends made while offline and to a
 * deleted conversation. The page is played by the test (`fromPage`); the real page is tested in
 * VS Code itself (test/vscode/).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '../../../../test/support/server-fixture.ts';
import { joined, wordChunks } from '../../../../test/web/browser-support.ts';
import { extensionsForThisSuite, openPanel, pageMessages, textOf } from './testing/extension-fixture.ts';

describe('chat panel against a real server', () => {
  const { setUp } = extensionsForThisSuite();

  test('a message sent from the page streams back into it, and Stop stops the run where it was', async () => {
    const { server, panels } = await setUp();
    const panel = openPanel(panels, server.conversationId);
    server.upstream.enqueue({ kind: 'stream', chunks: wordChunks('w', 10), holdAfter: 3 });
    panel.fromPage({ type: 'send', content: 'Hello there' });

    await panel.waitForView(() => textOf(pageMessages(panel)[1]) === joined(wordChunks('w', 3)), 'the first three words');
    const streaming = panel.view;
    assert.equal(streaming.status, 'running');
    assert.equal(textOf(pageMessages(panel)[0]), 'Hello there');
    assert.equal(panel.title, 'Hello there');

    panel.fromPage({ type: 'stop' });
    await panel.waitForView((view) => view.status === 'idle' && pageMessages(panel)[1]?.status === 'stopped', 'the stopped reply');
    const messages = pageMessages(panel);
    assert.deepEqual(messages.map((message) => [message.role, message.status]), [['user', 'completed'], ['assistant', 'stopped']]);
    assert.equal(textOf(messages[1]), joined(wordChunks('w', 3)));
    await server.upstream.waitForAborts(1);
  });

  test('a link cut mid-reply: the panel shows it reconnecting, then has the whole reply exactly once', async () => {
    const { server, panels, proxy } = await setUp({ proxy: true });
    const panel = openPanel(panels, server.conversationId);
    const chunks = wordChunks('r', 12);
    server.upstream.enqueue({ kind: 'stream', chunks, holdAfter: 4 });
    panel.fromPage({ type: 'send', content: 'Go' });
    await panel.waitForView(() => textOf(pageMessages(panel)[1]) === joined(chunks.slice(0, 4)), 'the partial reply');

    proxy!.cut();
    await panel.waitForView((view) => view.connection.status === 'reconnecting', 'reconnecting');
    server.upstream.release(); // the run finishes on the server while the panel is away
    await eventually(async () => (await server.request('GET', `/v1/conversations/${server.conversationId}`)).body.runs.at(-1)?.status === 'completed', 15_000, 'the run to end on the server');
    proxy!.restore();

    await panel.waitForView((view) => view.connection.status === 'open' && pageMessages(panel)[1]?.status === 'completed', 'the completed reply');
    const messages = pageMessages(panel);
    assert.equal(messages.length, 2);
    assert.equal(textOf(messages[1]), joined(chunks));
  });

  test('a send made while the server is unreachable waits, then is delivered exactly once when the link returns', async () => {
    const { server, panels, proxy } = await setUp({ proxy: true });
    const panel = openPanel(panels, server.conversationId);
    await panel.waitForView((view) => view.loaded && view.connection.status === 'open', 'loaded');
    proxy!.cut();
    await panel.waitForView((view) => view.connection.status === 'reconnecting', 'reconnecting');

    panel.fromPage({ type: 'send', content: 'Written offline' });
    await panel.waitForView((view) => view.outbox.length === 1 && view.outbox[0].state === 'waiting', 'the send waiting for the connection', 30_000);

    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Got it.' }] });
    proxy!.restore();
    await panel.waitForView((view) => view.outbox.length === 0 && pageMessages(panel)[1]?.status === 'completed', 'delivered and answered', 30_000);
    const stored = await server.request('GET', `/v1/conversations/${server.conversationId}`);
    const userMessages = stored.body.messages.filter((message: { role: string }) => message.role === 'user');
    assert.equal(userMessages.length, 1);
    assert.equal(textOf(userMessages[0]), 'Written offline');
    assert.equal(server.upstream.requests.length, 1);
  });

  test('a conversation deleted elsewhere tells its panel, which keeps what it showed and sends nothing more', async () => {
    const { server, panels } = await setUp();
    const panel = openPanel(panels, server.conversationId);
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Kept.' }] });
    panel.fromPage({ type: 'send', content: 'Before' });
    await panel.waitForView(() => pageMessages(panel)[1]?.status === 'completed', 'the reply');

    assert.equal((await server.request('DELETE', `/v1/conversations/${server.conversationId}`)).status, 204);
    const view = await panel.waitForView((next) => next.deleted, 'the deletion');
    assert.match(view.notice, /deleted/);
    assert.deepEqual(pageMessages(panel).map(textOf), ['Before', 'Kept.']);
    assert.equal(panels.get(server.conversationId), panels.activePanel, 'the panel is not replaced by another conversation');
  });

  test('Insert puts a code block at the cursor of the last editor; Copy goes to the clipboard', async () => {
    const { server, panels, fake } = await setUp();
    const { FakeTextEditor, FakeSelection, FakePosition } = await import('./testing/fake-vscode.ts');
    const editor = new FakeTextEditor('/tmp/x.ts', 'a\nb\n', new FakeSelection(new FakePosition(1, 0), new FakePosition(1, 1)));
    fake.window.visibleTextEditors.push(editor);
    const panel = openPanel(panels, server.conversationId);
    panel.fromPage({ type: 'insert', text: 'B()' });
    panel.fromPage({ type: 'copy', text: 'copied' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(editor.text, 'a\nB()\n');
    assert.equal(fake.clipboard(), 'copied');
  });

  test('a tool call waiting for approval shows as a card with the approval; answering from the page runs the tool and the reply goes on', async () => {
    const { server, panels } = await setUp({ server: { approvals: { tools: ['read_file'] } } });
    const panel = openPanel(panels, server.conversationId);
    server.upstream.enqueue(
      { kind: 'stream', chunks: [{ toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] },
      { kind: 'stream', chunks: [{ text: 'It lists alpha, beta, gamma.' }] },
    );
    panel.fromPage({ type: 'send', content: 'Read notes.txt' });
    const waiting = await panel.waitForView((view) => view.approvals.length === 1 && view.status === 'requires-action', 'the approval');
    const [approval] = waiting.approvals;
    assert.equal(approval.toolName, 'read_file');
    assert.deepEqual(approval.input, { path: 'notes.txt' });
    const card = pageMessages(panel)[1].parts.find((part) => part.kind === 'tool-call');
    assert.equal(card?.kind === 'tool-call' && card.state.status, 'awaiting-approval');

    panel.fromPage({ type: 'approve', approvalId: approval.id, decision: 'allow-once' });
    await panel.waitForView((view) => view.approvals.length === 0 && pageMessages(panel)[1]?.status === 'completed', 'the reply after the tool ran');
    const parts = pageMessages(panel)[1].parts;
    const call = parts.find((part) => part.kind === 'tool-call');
    assert.equal(call?.kind === 'tool-call' && call.state.status, 'completed');
    assert.equal(textOf(pageMessages(panel)[1]), 'It lists alpha, beta, gamma.');
  });

  test('the page never gets the token: not in its HTML, not in anything posted to it', async () => {
    const { server, panels } = await setUp();
    const panel = openPanel(panels, server.conversationId);
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'ok' }] });
    panel.fromPage({ type: 'send', content: 'hi' });
    await panel.waitForView(() => pageMessages(panel)[1]?.status === 'completed', 'the reply');
    assert.ok(panel.webview.html.length > 0);
    assert.ok(!panel.webview.html.includes(server.token));
    assert.ok(!JSON.stringify(panel.posted).includes(server.token));
    assert.match(panel.webview.html, /Content-Security-Policy" content="default-src 'none'; script-src 'nonce-[0-9a-f]{32}'/);
  });
});
