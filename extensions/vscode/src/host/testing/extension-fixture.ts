/**
 * The extension's host side wired as `extension.ts` wires it, on the fake `vscode` API, against a
 * real Confab server (test/support/server-fixture.ts, with its fake OpenAI upstream). Optionally
 * behind a TCP proxy whose link the test cuts.
 */
import { after } from 'node:test';
import { createClient, type ClientOptions, type Message } from '../../../../../src/client/index.ts';
import { startTestServer, type TestServerOptions } from '../../../../../test/support/server-fixture.ts';
import { startTcpProxy, type TcpProxy } from '../../../../../test/support/tcp-proxy.ts';
import { registerCommands } from '../commands.ts';
import { ConfabConnection } from '../connection.ts';
import { ConversationTree } from '../conversation-tree.ts';
import { LocalServer } from '../local-server.ts';
import { PanelManager } from '../panel-manager.ts';
import { ProjectResolver } from '../project-resolver.ts';
import { createFakeVscode, memorySecrets, type FakeWebviewPanel } from './fake-vscode.ts';

/** Short timeouts so that a cut link is noticed in tests within a second, not the SDK's 30 s. */
export const quickClient = (options: ClientOptions) =>
  createClient({ ...options, requestTimeoutMs: 1500, connectTimeoutMs: 1000, reconnect: { initialDelayMs: 50, maxDelayMs: 250, jitter: 0 } });

export async function startExtension(options: { proxy?: boolean; folders?: string[]; signIn?: boolean; serverUrl?: string; settings?: Record<string, unknown>; server?: TestServerOptions } = {}) {
  const server = await startTestServer(options.server);
  const proxy: TcpProxy | null = options.proxy ? await startTcpProxy(new URL(server.url).port) : null;
  const url = options.serverUrl ?? proxy?.url ?? server.url;
  const fake = createFakeVscode({ folders: options.folders ?? [server.projectDir], settings: { 'confab.serverUrl': url, ...options.settings } });
  const secrets = memorySecrets();
  const connection = new ConfabConnection({ secrets, serverUrl: () => url, createClient: quickClient });
  const localServer = new LocalServer();
  const projects = new ProjectResolver(fake.vscode);
  let requestIds = 0;
  let tree: ConversationTree | null = null;
  const panels = new PanelManager({
    vscode: fake.vscode,
    connection,
    extensionUri: fake.vscode.Uri.file('/ext'),
    lastEditor: () => fake.window.visibleTextEditors[0],
    newRequestId: () => `test-${++requestIds}`,
    onDidChangeConversation: () => tree?.refresh(),
  });
  tree = new ConversationTree({ vscode: fake.vscode, connection, projects, liveStatus: (id) => panels.get(id)?.state?.status ?? null });
  const disposables = registerCommands({ vscode: fake.vscode, connection, panels, projects, tree, localServer });
  if (options.signIn !== false) await connection.signIn(url, server.token);
  return {
    server,
    proxy,
    url,
    fake,
    secrets,
    connection,
    projects,
    panels,
    tree,
    localServer,
    /** Runs a registered command as the command palette would. */
    run: (command: string, ...args: unknown[]) => fake.commands.get(command)!(...args) as Promise<void>,
    async close() {
      panels.disposeAll();
      for (const disposable of disposables) disposable.dispose();
      await connection.dispose();
      localServer.stop();
      await proxy?.close();
      await server.close();
    },
  };
}

/** Opens a conversation's panel and plays the page saying it is ready. */
export function openPanel(panels: PanelManager, conversationId: string): FakeWebviewPanel {
  const chat = panels.open(conversationId);
  const panel = chat.panel as unknown as FakeWebviewPanel;
  panel.fromPage({ type: 'ready' });
  return panel;
}

/** The messages as the page holds them: ids resolved against earlier views, as chat-app.tsx does. */
export function pageMessages(panel: FakeWebviewPanel): Message[] {
  let known = new Map<string, Message>();
  let list: Message[] = [];
  for (const posted of panel.posted) {
    if (posted.type !== 'view') continue;
    const next = new Map<string, Message>();
    list = [];
    for (const entry of posted.view.messages as (Message | string)[]) {
      const message = typeof entry === 'string' ? known.get(entry) : entry;
      if (!message) throw new Error(`the page was sent the id ${entry} of a message it never received`);
      next.set(message.id, message);
      list.push(message);
    }
    known = next;
  }
  return list;
}

export function textOf(message: Message | undefined): string {
  return message?.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('') ?? '';
}

/** For a `describe`: `setUp(options)` starts an extension that is closed after the suite; `cleanups` takes more. */
export function extensionsForThisSuite() {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });
  return {
    cleanups,
    async setUp(options: Parameters<typeof startExtension>[0] = {}) {
      const extension = await startExtension(options);
      cleanups.push(() => extension.close());
      return extension;
    },
  };
}
