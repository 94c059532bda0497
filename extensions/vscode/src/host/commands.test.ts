/**
 * The commands on the fake `vscode` API against a real server: sign-in (checked before stored),
 * Ask About Selection in a folder that is not a project yet (created after the user confirms), Add
 * Code Context, and the conversation list's rename and delete.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually } from '../../../../test/support/server-fixture.ts';
import { freePort } from '../../../../test/vscode/code-server.ts';
import { tokenKey } from './connection.ts';
import { serverAnswers } from './local-server.ts';
import type { TreeNode } from './conversation-tree.ts';
import { FakePosition, FakeSelection, FakeTextEditor, type FakeWebviewPanel } from './testing/fake-vscode.ts';
import { extensionsForThisSuite, pageMessages, textOf } from './testing/extension-fixture.ts';

describe('commands against a real server', () => {
  const { setUp, cleanups } = extensionsForThisSuite();

  async function freshFolder(name: string) {
    const parent = await mkdtemp(join(tmpdir(), 'confab-vscode-'));
    cleanups.push(() => rm(parent, { recursive: true, force: true }));
    const folder = join(parent, name);
    await mkdir(join(folder, 'src'), { recursive: true });
    await writeFile(join(folder, 'src', 'app.ts'), 'const a = 1;\nconst b = 2;\nconst c = 3;\nexport { a, b, c };\n');
    return folder;
  }

  test('Sign In refuses a wrong token and stores nothing; the right one is stored for that URL; Sign Out forgets it', async () => {
    const { fake, connection, secrets, url, server, run } = await setUp({ signIn: false });
    assert.equal(connection.client, null);
    fake.answers.input.push(url, 'wrong-token');
    await run('confab.signIn');
    assert.equal(connection.client, null);
    assert.equal(secrets.values.size, 0);
    assert.match(fake.asked.at(-1)!.text, /not signed in to .*refused the token/);

    fake.answers.input.push(`${url}/?token=${server.token}`); // the hand-off link: no second question
    await run('confab.signIn');
    assert.notEqual(connection.client, null);
    assert.deepEqual([...secrets.values], [[tokenKey(url), server.token]]);
    assert.equal(fake.asked.filter((question) => question.kind === 'input').length, 3);

    await run('confab.signOut');
    assert.equal(connection.client, null);
    assert.equal(secrets.values.size, 0);
  });

  test('Ask About Selection in a new folder: the project is created after confirming, the question goes with the selected lines, and the reply streams', async () => {
    const folder = await freshFolder('my app');
    const { fake, server, run, panels, tree } = await setUp({ folders: [folder] });
    const editor = new FakeTextEditor(join(folder, 'src', 'app.ts'), 'const a = 1;\nconst b = 2;\nconst c = 3;\nexport { a, b, c };\n');
    editor.selection = new FakeSelection(new FakePosition(1, 0), new FakePosition(3, 0));
    fake.window.activeTextEditor = editor;
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'It defines ' }, { text: '`b` and `c`.' }] });

    fake.answers.input.push('What is this?');
    fake.answers.message.push('Create Project');
    await run('confab.askAboutSelection');

    assert.deepEqual(fake.asked.map((question) => question.kind), ['input', 'information']);
    assert.equal(fake.asked[0].text, 'Ask Confab about src/app.ts, lines 2–3');
    assert.match(fake.asked[1].text, /Folder "my app" is not a Confab project yet. Create project "my-app"/);
    const projects = (await server.request('GET', '/v1/projects')).body.projects;
    assert.ok(projects.some((project: { name: string }) => project.name === 'my-app'));

    const [chat] = panels.panels;
    const panel = chat.panel as unknown as FakeWebviewPanel;
    panel.fromPage({ type: 'ready' });
    await panel.waitForView(() => pageMessages(panel)[1]?.status === 'completed', 'the reply');
    const [question, reply] = pageMessages(panel);
    assert.deepEqual(
      question.parts.map((part) => (part.kind === 'context' ? { path: part.path, range: part.range, content: part.content } : part.kind)),
      [{ path: 'src/app.ts', range: { start: 2, end: 3 }, content: 'const b = 2;\nconst c = 3;\n' }, 'text'],
    );
    assert.equal(textOf(reply), 'It defines `b` and `c`.');
    assert.match(JSON.stringify(server.upstream.requests[0].body.messages), /const b = 2;\\nconst c = 3;/);

    // The list shows it; a second question in the same folder asks no more about the project.
    const nodes = (await tree.getChildren()) as Extract<TreeNode, { kind: 'conversation' }>[];
    assert.deepEqual(nodes.map((node) => node.conversation.title), ['What is this?']);
    fake.answers.input.push('And this?');
    fake.answers.quickPick.push((items) => items.find((item: { description?: string }) => item.description === 'open'));
    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Same.' }] });
    await run('confab.askAboutSelection');
    assert.equal(fake.asked.filter((asked) => asked.kind === 'information').length, 1);
    await panel.waitForView(() => pageMessages(panel)[3]?.status === 'completed', 'the second reply');
    assert.equal(panels.panels.length, 1);
  });

  test('declining the project creates nothing and opens nothing', async () => {
    const folder = await freshFolder('declined');
    const { fake, server, run, panels } = await setUp({ folders: [folder] });
    fake.window.activeTextEditor = new FakeTextEditor(join(folder, 'src', 'app.ts'), 'x\n');
    fake.answers.input.push('Question?');
    fake.answers.message.push(undefined);
    await run('confab.askAboutSelection');
    assert.equal(panels.panels.length, 0);
    const projects = (await server.request('GET', '/v1/projects')).body.projects;
    assert.deepEqual(projects.map((project: { name: string }) => project.name), ['demo']);
  });

  test('Add Code Context attaches the whole file (no selection) to the open panel; it goes with the next message', async () => {
    const { fake, server, run, panels } = await setUp();
    const chat = panels.open(server.conversationId);
    const panel = chat.panel as unknown as FakeWebviewPanel;
    panel.fromPage({ type: 'ready' });
    fake.window.activeTextEditor = new FakeTextEditor(join(server.projectDir, 'notes.txt'), 'alpha\nbeta\n');
    await run('confab.addCodeContext');
    await panel.waitForView((view) => view.pendingContext.length === 1, 'the attachment');
    assert.deepEqual(panel.view.pendingContext, [{ path: 'notes.txt', content: 'alpha\nbeta\n' }]);

    server.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Two words.' }] });
    panel.fromPage({ type: 'send', content: 'Count the words' });
    await panel.waitForView((view) => view.pendingContext.length === 0 && pageMessages(panel)[1]?.status === 'completed', 'sent with it');
    assert.deepEqual(pageMessages(panel)[0].parts.map((part) => part.kind), ['context', 'text']);
  });

  test('rename and delete from the list change the conversation on the server', async () => {
    const { fake, server, run, tree } = await setUp();
    const [node] = (await tree.getChildren()) as Extract<TreeNode, { kind: 'conversation' }>[];
    assert.equal(node.conversation.id, server.conversationId);
    assert.equal(tree.getTreeItem(node).command?.command, 'confab.openConversation');

    fake.answers.input.push('Renamed');
    await run('confab.renameConversation', node);
    assert.equal((await server.request('GET', `/v1/conversations/${server.conversationId}`)).body.conversation.title, 'Renamed');

    fake.answers.message.push('Delete');
    await run('confab.deleteConversation', node);
    assert.equal((await server.request('GET', `/v1/conversations/${server.conversationId}`)).status, 404);
    assert.deepEqual(await tree.getChildren(), []);
  });

  test('no server answers at a local URL: after the user agrees, confab serve starts in the folder and the extension signs in with the token it printed', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-vscode-serve-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const main = fileURLToPath(new URL('../../../../src/cli/main.ts', import.meta.url));
    const folder = await freshFolder('served');
    const { fake, run, connection, panels, localServer } = await setUp({
      signIn: false,
      serverUrl: url,
      folders: [folder],
      settings: { 'confab.localServerCommand': `"${process.execPath}" "${main}" serve --data-dir "${dataDir}"` },
    });
    fake.answers.message.push('Start Server', 'Create Project');
    await run('confab.newChat');
    assert.match(fake.asked[0].text, new RegExp(`no server answers at ${url}. Start one for this workspace`));
    assert.equal(localServer.running, true);
    assert.equal(connection.url, url);
    assert.equal(panels.panels.length, 1);
    const projects = await connection.client!.projects.list();
    assert.deepEqual(projects.map((project) => project.name), ['served']);

    localServer.stop();
    await eventually(async () => !(await serverAnswers(url, 500)), 15_000, 'the server to stop');
  });
});

