/**
 * The open chat panels, one per conversation: open or reveal, restore after a window reload (the
 * page saved its conversation id; VS Code hands the panel back to the serializer), and which panel
 * was used last (the target of Add Code Context and Stop).
 */
import { ChatPanel, chatViewType, restoredConversationId } from './chat-panel.ts';
import type { ConfabConnection } from './connection.ts';
import type { Vscode, api } from './vscode-types.ts';

export type PanelManagerOptions = {
  vscode: Vscode;
  connection: ConfabConnection;
  extensionUri: api.Uri;
  lastEditor(): api.TextEditor | undefined;
  newRequestId(): string;
  /** A panel's conversation changed (title, status): the list refreshes. */
  onDidChangeConversation(): void;
};

export class PanelManager {
  readonly #options: PanelManagerOptions;
  readonly #panels = new Map<string, ChatPanel>();
  #lastActive: ChatPanel | null = null;

  constructor(options: PanelManagerOptions) {
    this.#options = options;
  }

  get panels(): readonly ChatPanel[] {
    return [...this.#panels.values()];
  }

  /** The panel focused now, else the one used last. */
  get activePanel(): ChatPanel | null {
    for (const panel of this.#panels.values()) if (panel.panel.active) return panel;
    return this.#lastActive && this.#panels.has(this.#lastActive.conversationId) ? this.#lastActive : null;
  }

  get(conversationId: string): ChatPanel | undefined {
    return this.#panels.get(conversationId);
  }

  /** Reveals the conversation's panel, opening one if needed (beside the editor when `beside`). */
  open(conversationId: string, options: { beside?: boolean; preserveFocus?: boolean } = {}): ChatPanel {
    const existing = this.#panels.get(conversationId);
    if (existing) {
      existing.reveal(options.preserveFocus);
      this.#lastActive = existing;
      return existing;
    }
    const { window, ViewColumn } = this.#options.vscode;
    const panel = window.createWebviewPanel(
      chatViewType,
      'Confab',
      { viewColumn: options.beside ? ViewColumn.Beside : ViewColumn.Active, preserveFocus: options.preserveFocus },
      { enableScripts: true, enableFindWidget: true, localResourceRoots: [this.#options.vscode.Uri.joinPath(this.#options.extensionUri, 'dist', 'webview')] },
    );
    return this.#adopt(panel, conversationId);
  }

  /** `vscode.window.registerWebviewPanelSerializer`'s callback: a panel from before the reload. */
  async restore(panel: api.WebviewPanel, state: unknown): Promise<void> {
    const conversationId = restoredConversationId(state);
    if (!conversationId) {
      panel.dispose(); // nothing says what it showed
      return;
    }
    const existing = this.#panels.get(conversationId);
    if (existing) {
      panel.dispose();
      existing.reveal(true);
      return;
    }
    this.#adopt(panel, conversationId);
  }

  disposeAll(): void {
    for (const panel of [...this.#panels.values()]) panel.dispose();
  }

  #adopt(webviewPanel: api.WebviewPanel, conversationId: string): ChatPanel {
    const panel = new ChatPanel({
      vscode: this.#options.vscode,
      panel: webviewPanel,
      conversationId,
      connection: this.#options.connection,
      extensionUri: this.#options.extensionUri,
      lastEditor: this.#options.lastEditor,
      newRequestId: this.#options.newRequestId,
      onDidChange: () => this.#options.onDidChangeConversation(),
      onDidDispose: (disposed) => {
        this.#panels.delete(disposed.conversationId);
        if (this.#lastActive === disposed) this.#lastActive = null;
      },
    });
    webviewPanel.onDidChangeViewState(() => {
      if (webviewPanel.active) this.#lastActive = panel;
    });
    this.#panels.set(conversationId, panel);
    this.#lastActive = panel;
    return panel;
  }
}
