/**
 * The commands (package.json `contributes.commands` lists the same ids): chats, selection and file
 * context, stop, and the conversation list's actions.
 */
import type { ContextInput } from '../../../../src/client/index.ts';
import { contextFromPick, describeContext } from './code-context.ts';
import { readTerminalText } from './terminal-text.ts';
import type { ConfabConnection } from './connection.ts';
import type { ConversationTree, TreeNode } from './conversation-tree.ts';
import { isLocalUrl, serverAnswers, type LocalServer } from './local-server.ts';
import { describeError } from './describe-error.ts';
import type { PanelManager } from './panel-manager.ts';
import type { ProjectResolver } from './project-resolver.ts';
import { signIn, signOut } from './sign-in.ts';
import type { Vscode, api } from './vscode-types.ts';

export type CommandDeps = {
  vscode: Vscode;
  connection: ConfabConnection;
  panels: PanelManager;
  projects: ProjectResolver;
  tree: ConversationTree;
  localServer: LocalServer;
};

export function registerCommands(deps: CommandDeps): api.Disposable[] {
  const { vscode, connection, panels, projects, tree, localServer } = deps;
  const { window, commands } = vscode;

  /** The client, after offering to sign in (or to start a local server); null when the user does neither. */
  async function requireClient() {
    if (connection.client) return connection.client;
    const url = connection.url;
    const folder = vscode.workspace.workspaceFolders?.length ? await projects.pickFolder() : undefined;
    if (folder && !localServer.running && isLocalUrl(url) && !(await serverAnswers(url))) {
      const command = vscode.workspace.getConfiguration('confab').get<string>('localServerCommand', 'confab serve');
      const answer = await window.showWarningMessage(
        `Confab: no server answers at ${url}. Start one for this workspace ("${command}" in ${folder.name}, data in its .confab folder)?`,
        'Start Server',
        'Sign In',
      );
      if (answer === 'Start Server') {
        await localServer.start({ command, cwd: folder.uri.fsPath, url, connection });
        return connection.client;
      }
      if (answer === 'Sign In' && (await signIn(vscode, connection))) return connection.client;
      return null;
    }
    const answer = await window.showWarningMessage('Confab: you are not signed in.', 'Sign In');
    if (answer === 'Sign In' && (await signIn(vscode, connection))) return connection.client;
    return null;
  }

  /** Creates a conversation in the project of the folder (confirmed on first use) and opens it. */
  async function newChat(hint?: api.Uri, beside = false) {
    const client = await requireClient();
    if (!client) return null;
    const folder = await projects.pickFolder(hint);
    if (!folder) {
      void window.showWarningMessage('Confab: open a folder first; its chats belong to a Confab project for that folder.');
      return null;
    }
    const projectName = await projects.resolve(client, folder);
    if (!projectName) return null;
    const conversation = await client.conversations.create({ projectName });
    tree.refresh();
    return panels.open(conversation.id, { beside });
  }

  function editorContext(editor: api.TextEditor, wholeWhenEmpty: boolean): ContextInput {
    const { document, selection } = editor;
    const whole = selection.isEmpty && wholeWhenEmpty;
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    return contextFromPick({
      documentPath: document.isUntitled ? document.uri.path : document.uri.fsPath,
      folderPath: folder?.uri.fsPath ?? null,
      text: whole ? document.getText() : document.getText(selection),
      startLine: selection.start.line,
      endLine: selection.end.line,
      endCharacter: selection.end.character,
      whole,
    });
  }

  /** New chat, an open panel, or a recent conversation of the project. */
  async function pickChat(editor: api.TextEditor) {
    const client = await requireClient();
    if (!client) return null;
    const folder = await projects.pickFolder(editor.document.uri);
    if (!folder) return newChat(editor.document.uri, true);
    const projectName = await projects.resolve(client, folder);
    if (!projectName) return null;
    const open = panels.panels.filter((panel) => panel.state?.state?.conversation.projectName === projectName);
    const { conversations } = await client.conversations.list({ project: projectName, limit: 10 });
    const recent = conversations.filter((conversation) => !panels.get(conversation.id));
    if (open.length === 0 && recent.length === 0) return newChat(editor.document.uri, true);
    type Item = api.QuickPickItem & { conversationId: string | null };
    const items: Item[] = [
      { label: '$(add) New chat', conversationId: null },
      ...open.map((panel) => ({ label: panel.title, description: 'open', conversationId: panel.conversationId })),
      ...recent.map((conversation) => ({ label: conversation.title || 'New chat', description: `${conversation.messageCount} messages`, conversationId: conversation.id })),
    ];
    const picked = await window.showQuickPick(items, { title: 'Confab: ask in which chat?', placeHolder: 'A new chat, or one of this project' });
    if (!picked) return null;
    return picked.conversationId ? panels.open(picked.conversationId, { beside: true }) : newChat(editor.document.uri, true);
  }

  const guard =
    <A extends unknown[]>(action: (...args: A) => Promise<unknown>) =>
    async (...args: A) => {
      try {
        await action(...args);
      } catch (error) {
        void window.showErrorMessage(`Confab: ${describeError(error)}`);
      }
    };

  return [
    commands.registerCommand('confab.signIn', guard(() => signIn(vscode, connection))),
    commands.registerCommand('confab.signOut', guard(() => signOut(vscode, connection))),
    commands.registerCommand('confab.newChat', guard(() => newChat())),
    commands.registerCommand(
      'confab.askAboutSelection',
      guard(async () => {
        const editor = window.activeTextEditor;
        if (!editor) return void window.showWarningMessage('Confab: select some code in an editor first.');
        const context = editorContext(editor, true);
        const question = await window.showInputBox({ title: `Ask Confab about ${describeContext(context)}`, placeHolder: 'What does this do?', ignoreFocusOut: true });
        if (!question?.trim()) return;
        const panel = await pickChat(editor);
        panel?.send(question.trim(), [context]);
      }),
    ),
    commands.registerCommand(
      'confab.addCodeContext',
      guard(async () => {
        const editor = window.activeTextEditor;
        if (!editor) return void window.showWarningMessage('Confab: open a file (and select code, or not for the whole file) first.');
        const context = editorContext(editor, true);
        const panel = panels.activePanel ?? (await newChat(editor.document.uri, true));
        if (!panel) return;
        await panel.addContext(context);
        panel.reveal();
        void window.showInformationMessage(`Confab: ${describeContext(context)} will go with your next message.`);
      }),
    ),
    commands.registerCommand(
      'confab.addTerminalOutput',
      guard(async () => {
        const terminal = window.activeTerminal;
        if (!terminal) return void window.showWarningMessage('Confab: open a terminal first (its selection, or all of its output, is attached).');
        const text = await readTerminalText(vscode, terminal);
        if (text.trim() === '') return void window.showWarningMessage('Confab: the terminal shows nothing to attach.');
        const panel = panels.activePanel ?? (await newChat(undefined, true));
        if (!panel) return;
        await panel.addContext({ path: `terminal: ${terminal.name}`, content: text });
        panel.reveal();
      }),
    ),
    commands.registerCommand(
      'confab.stop',
      guard(async () => {
        const panel = panels.activePanel;
        if (!panel) return void window.showInformationMessage('Confab: no chat panel is open.');
        await panel.stop();
      }),
    ),
    commands.registerCommand('confab.openConversation', (conversationId: unknown) => {
      if (typeof conversationId === 'string') panels.open(conversationId);
    }),
    commands.registerCommand('confab.refreshConversations', () => tree.refresh()),
    commands.registerCommand(
      'confab.renameConversation',
      guard(async (node?: TreeNode) => {
        const client = connection.client;
        if (!client || node?.kind !== 'conversation') return;
        const title = await window.showInputBox({ title: 'Rename the conversation', value: node.conversation.title, validateInput: (value) => (value.length > 200 ? 'At most 200 characters.' : null) });
        if (title === undefined) return;
        await client.conversations.update(node.conversation.id, { title });
        tree.refresh();
      }),
    ),
    commands.registerCommand(
      'confab.deleteConversation',
      guard(async (node?: TreeNode) => {
        const client = connection.client;
        if (!client || node?.kind !== 'conversation') return;
        const answer = await window.showWarningMessage(
          `Delete "${node.conversation.title || 'New chat'}"?`,
          { modal: true, detail: 'Its messages are deleted on the server for every client; a running reply is stopped. This cannot be undone.' },
          'Delete',
        );
        if (answer !== 'Delete') return;
        await client.conversations.delete(node.conversation.id);
        tree.refresh();
      }),
    ),
  ];
}
