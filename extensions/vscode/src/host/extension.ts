/**
 * The extension's entry point (bundled to dist/extension.cjs): one connection, the panels, the
 * conversation list, the commands and a status bar item, wired together.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands.ts';
import { ConfabConnection, normalizeServerUrl } from './connection.ts';
import { followCatalog } from './catalog-follower.ts';
import { ConversationTree } from './conversation-tree.ts';
import { LocalServer } from './local-server.ts';
import { chatViewType } from './chat-panel.ts';
import { PanelManager } from './panel-manager.ts';
import { ProjectResolver } from './project-resolver.ts';
import { StatusItem } from './status-item.ts';

let shutdown: (() => Promise<void>) | null = null;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const settings = () => vscode.workspace.getConfiguration('confab');
  const connection = new ConfabConnection({ secrets: context.secrets, serverUrl: () => settings().get<string>('serverUrl', 'http://127.0.0.1:4317') });
  // The token first: panels restored after a reload attach to the client at once instead of showing "signed out".
  await connection.load();

  let lastEditor = vscode.window.activeTextEditor;
  context.subscriptions.push(vscode.window.onDidChangeActiveTextEditor((editor) => (lastEditor = editor ?? lastEditor)));

  const projects = new ProjectResolver(vscode);
  let tree: ConversationTree | null = null;
  const panels = new PanelManager({
    vscode,
    connection,
    extensionUri: context.extensionUri,
    lastEditor: () => (lastEditor && vscode.window.visibleTextEditors.includes(lastEditor) ? lastEditor : vscode.window.visibleTextEditors[0]),
    newRequestId: () => `vscode-${crypto.randomUUID()}`,
    onDidChangeConversation: () => tree?.refresh(),
  });
  tree = new ConversationTree({ vscode, connection, projects, liveStatus: (id) => panels.get(id)?.state?.status ?? null });
  const view = vscode.window.createTreeView('confab.conversations', { treeDataProvider: tree });
  const fallbackIntervalMs = () => Math.max(1, settings().get<number>('listRefreshSeconds', 5)) * 1000;
  context.subscriptions.push(view, followCatalog({ connection, tree, view, fallbackIntervalMs }));

  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(chatViewType, { deserializeWebviewPanel: (panel, state) => panels.restore(panel, state) }));
  const localServer = new LocalServer();
  context.subscriptions.push(...registerCommands({ vscode, connection, panels, projects, tree, localServer }));

  const status = new StatusItem(vscode, connection);
  context.subscriptions.push(status);

  const signedInChanged = () => {
    void vscode.commands.executeCommand('setContext', 'confab.signedIn', connection.signedIn);
    projects.forget();
    tree?.refresh();
  };
  const unsubscribe = connection.onDidChangeClient(signedInChanged);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('confab.serverUrl') && normalizeServerUrl(settings().get<string>('serverUrl', '')) !== connection.url) void connection.load();
    }),
  );
  signedInChanged();

  shutdown = async () => {
    unsubscribe();
    panels.disposeAll();
    await connection.dispose();
    localServer.stop();
  };
}

export async function deactivate(): Promise<void> {
  await shutdown?.();
  shutdown = null;
}
