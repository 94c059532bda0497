/**
 * The conversation list on the catalog feed, on the fake `vscode` API against a real server:
 * conversations created, renamed, run and deleted by another client show in the list with no
 * request for the list after the first read, and no timer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '../../../../test/support/server-fixture.ts';
import { followCatalog } from './catalog-follower.ts';
import type { TreeNode } from './conversation-tree.ts';
import { extensionsForThisSuite } from './testing/extension-fixture.ts';

type ConversationNode = Extract<TreeNode, { kind: 'conversation' }>;

describe('the conversation list follows the catalog feed', () => {
  const { setUp, cleanups } = extensionsForThisSuite();

  test('changes made elsewhere reach the list without reading it again, and the fallback timer never runs', async () => {
    const { fake, connection, tree, server } = await setUp();
    const client = connection.client!;
    let listReads = 0;
    const list = client.conversations.list.bind(client.conversations);
    client.conversations.list = (query) => (listReads++, list(query));
    let fallbackAsked = 0;
    const view = fake.vscode.window.createTreeView('confab.conversations', { treeDataProvider: tree });
    const follower = followCatalog({ connection, tree, view, fallbackIntervalMs: () => (fallbackAsked++, 60_000) });
    cleanups.push(async () => follower.dispose());
    let changes = 0;
    tree.onDidChangeTreeData(() => changes++);
    const titles = async () => ((await tree.getChildren()) as ConversationNode[]).map((node) => [node.conversation.title, node.status ?? 'idle']);

    await eventually(() => changes > 0, 10_000, 'the feed to start (its reload reads the list)');
    const before = await titles();
    const reads = listReads;
    const created = await server.request('POST', '/v1/conversations', { projectName: 'demo', title: 'From the web' });
    const id = created.body.conversation.id;
    await eventually(async () => (await titles()).some(([title]) => title === 'From the web'), 10_000, 'the new conversation');

    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Working' }], holdAfter: 1 });
    await server.request('POST', `/v1/conversations/${id}/messages`, { content: 'Go' });
    await eventually(async () => (await titles()).some(([title, status]) => title === 'From the web' && status === 'running'), 10_000, 'the running state');
    server.upstream.release();
    await eventually(async () => (await titles()).some(([title, status]) => title === 'From the web' && status === 'idle'), 10_000, 'idle again');

    await server.request('PATCH', `/v1/conversations/${id}`, { title: 'Renamed elsewhere' });
    await eventually(async () => (await titles()).some(([title]) => title === 'Renamed elsewhere'), 10_000, 'the new title');
    await server.request('DELETE', `/v1/conversations/${id}`);
    await eventually(async () => (await titles()).length === before.length, 10_000, 'the deleted conversation gone');
    assert.deepEqual(await titles(), before);
    assert.equal(listReads, reads, 'the list was read once, then followed the feed');
    assert.equal(fallbackAsked, 0, 'no polling while the feed is live');
  });
});
