/**
 * One chat panel: a webview showing one conversation through a watch on the shared client. The page
 * is a view; everything with an effect happens here (send through the outbox, stop, continue,
 * approve, copy, insert at the cursor). When the client is replaced (sign-in, sign-out, another URL)
 * the panel watches the same conversation on the new one: a panel never switches conversations by
 * itself, and a deleted conversation says so instead of being replaced.
 */
import { ConfabClientError, type ContextInput, type ConversationWatch, type WatchState } from '../../../../src/client/index.ts';
import { isPersistedState, parsePanelMessage, type HostToPanel, type PanelToHost } from '../shared/messages.ts';
import { contextRefusal, type ContextLimits } from './code-context.ts';
import type { ConfabConnection } from './connection.ts';
import { describeError } from './describe-error.ts';
import { Outbox, OutboxFullError } from './outbox.ts';
import { MessageDiff, buildPanelView, panelConnection } from './panel-view.ts';
import { chatPageHtml, newNonce } from './webview-html.ts';
import type { Vscode, api } from './vscode-types.ts';

export const chatViewType = 'confab.chat';

export type ChatPanelOptions = {
  vscode: Vscode;
  panel: api.WebviewPanel;
  conversationId: string;
  connection: ConfabConnection;
  extensionUri: api.Uri;
  /** The text editor the user was last in (a focused panel is not one). */
  lastEditor(): api.TextEditor | undefined;
  newRequestId(): string;
  /** The conversation's title, status or updatedAt changed (the list shows them). */
  onDidChange(panel: ChatPanel): void;
  onDidDispose(panel: ChatPanel): void;
};

const defaultLimits: ContextLimits = { maxContextParts: 20, maxContextBytes: 256 * 1024 };

export class ChatPanel {
  readonly conversationId: string;
  readonly panel: api.WebviewPanel;
  readonly #options: ChatPanelOptions;
  readonly #outbox: Outbox;
  readonly #diff = new MessageDiff();
  readonly #disposers: (() => void)[] = [];
  #watch: ConversationWatch | null = null;
  #unwatch: (() => void) | null = null;
  #state: WatchState | null = null;
  #pendingContext: ContextInput[] = [];
  #notice: string | null = null;
  #pageReady = false;
  #postScheduled = false;
  #disposed = false;
  #limits: Promise<ContextLimits> | null = null;

  constructor(options: ChatPanelOptions) {
    this.#options = options;
    this.conversationId = options.conversationId;
    this.panel = options.panel;
    this.#outbox = new Outbox({
      deliver: async (entry) => {
        const watch = this.#watch;
        if (!watch) throw new ConfabClientError('closed', 'Not signed in to Confab.');
        await watch.send(entry.content, { clientRequestId: entry.clientRequestId, ...(entry.context.length > 0 ? { context: entry.context } : {}) });
      },
      newRequestId: options.newRequestId,
      onChange: () => this.#schedulePost(),
      describe: describeError,
    });

    const root = options.vscode.Uri.joinPath(options.extensionUri, 'dist', 'webview');
    const webview = options.panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [root], enableCommandUris: false };
    webview.html = chatPageHtml({
      script: webview.asWebviewUri(options.vscode.Uri.joinPath(root, 'webview.js')).toString(),
      style: webview.asWebviewUri(options.vscode.Uri.joinPath(root, 'webview.css')).toString(),
      cspSource: webview.cspSource,
      nonce: newNonce(),
    });
    const subscriptions = [
      webview.onDidReceiveMessage((raw) => {
        const message = parsePanelMessage(raw);
        if (message) void this.#handle(message);
      }),
      options.panel.onDidDispose(() => this.dispose()),
    ];
    this.#disposers.push(() => subscriptions.forEach((subscription) => subscription.dispose()));
    this.#disposers.push(options.connection.onDidChangeClient(() => this.#attach()));
    this.#disposers.push(
      options.connection.onDidChangeState((state) => {
        if (state.status === 'open') this.#outbox.connectionOpened();
        this.#schedulePost();
      }),
    );
    this.#attach();
  }

  get state(): WatchState | null {
    return this.#state;
  }

  get title(): string {
    return this.#state?.state?.conversation.title || 'New chat';
  }

  reveal(preserveFocus = false): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  /** Sends a message (with the pending context, and `context` added to it) through the outbox. */
  send(content: string, context: ContextInput[] = []): void {
    const attached = [...this.#pendingContext, ...context];
    try {
      this.#outbox.submit(content, attached);
      this.#pendingContext = [];
      this.#notice = null;
    } catch (error) {
      if (!(error instanceof OutboxFullError)) throw error;
      this.#notice = error.message;
    }
    this.#schedulePost();
  }

  /** Adds an attachment to the next message; throws with a reason to show when the server would refuse it. */
  async addContext(context: ContextInput): Promise<void> {
    const refusal = contextRefusal(this.#pendingContext, context, await this.#contextLimits());
    if (refusal) throw new Error(refusal);
    this.#pendingContext = [...this.#pendingContext, context];
    this.#schedulePost();
    this.#post({ type: 'focus-composer' });
  }

  async stop(): Promise<void> {
    if (!this.#watch) return;
    try {
      await this.#watch.stop();
    } catch (error) {
      this.#showNotice(error);
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#unwatch?.();
    this.#watch?.close();
    this.#watch = null;
    for (const dispose of this.#disposers) dispose();
    this.panel.dispose();
    this.#options.onDidDispose(this);
  }

  #attach(): void {
    this.#unwatch?.();
    this.#watch?.close();
    this.#watch = null;
    this.#limits = null;
    const client = this.#options.connection.client;
    if (!client) {
      this.#state = null;
      this.#schedulePost();
      return;
    }
    const watch = client.watch(this.conversationId);
    this.#watch = watch;
    this.#state = watch.current;
    let title = this.title;
    let status = this.#state.status;
    let updatedAt = this.#state.state?.conversation.updatedAt;
    this.#unwatch = watch.subscribe((state) => {
      this.#state = state;
      if (state.deleted) this.#notice = 'This conversation was deleted (here or in another window). Its panel stays until you close it.';
      this.panel.title = this.title;
      if (this.title !== title || state.status !== status || state.state?.conversation.updatedAt !== updatedAt || state.deleted) {
        title = this.title;
        status = state.status;
        updatedAt = state.state?.conversation.updatedAt;
        this.#options.onDidChange(this);
      }
      this.#schedulePost();
    });
    watch.ready.then(
      () => (this.panel.title = this.title),
      () => undefined, // shown through `current.error`
    );
    this.#schedulePost();
  }

  async #handle(message: PanelToHost): Promise<void> {
    const watch = this.#watch;
    switch (message.type) {
      case 'ready':
        this.#pageReady = true;
        this.#diff.reset();
        this.#schedulePost();
        return;
      case 'send':
        if (message.content.trim() !== '') this.send(message.content);
        return;
      case 'stop':
        if (watch) await watch.stop(message.runId).catch((error: unknown) => this.#showNotice(error));
        return;
      case 'continue':
        if (watch) await watch.continue().catch((error: unknown) => this.#showNotice(error));
        return;
      case 'approve':
        if (watch) await watch.approve(message.approvalId, message.decision, message.note).catch((error: unknown) => this.#showNotice(error));
        return;
      case 'copy':
        await this.#options.vscode.env.clipboard.writeText(message.text);
        return;
      case 'insert':
        await this.#insert(message.text);
        return;
      case 'remove-context':
        this.#pendingContext = this.#pendingContext.filter((_, index) => index !== message.index);
        this.#schedulePost();
        return;
      case 'retry-outbox':
        this.#outbox.retry(message.clientRequestId);
        return;
      case 'discard-outbox':
        this.#outbox.discard(message.clientRequestId);
        return;
      case 'sign-in':
        await this.#options.vscode.commands.executeCommand('confab.signIn');
        return;
      case 'dismiss-notice':
        this.#notice = null;
        this.#schedulePost();
        return;
    }
  }

  async #insert(text: string): Promise<void> {
    const editor = this.#options.lastEditor();
    if (!editor) {
      void this.#options.vscode.window.showWarningMessage('Confab: open a file and put the cursor where the code should go, then Insert again.');
      return;
    }
    const applied = await editor.edit((edit) => {
      for (const selection of editor.selections) edit.replace(selection, text);
    });
    if (!applied) void this.#options.vscode.window.showWarningMessage('Confab: the editor did not accept the insertion (is it read-only?).');
  }

  #contextLimits(): Promise<ContextLimits> {
    const client = this.#options.connection.client;
    if (!client) return Promise.resolve(defaultLimits);
    this.#limits ??= client.limits().then(
      (limits) => ({ maxContextParts: limits.maxContextParts, maxContextBytes: limits.maxContextBytes }),
      () => defaultLimits,
    );
    return this.#limits;
  }

  #showNotice(error: unknown): void {
    this.#notice = describeError(error);
    this.#schedulePost();
  }

  /** Coalesces a burst of changes (tokens arriving together) into one message to the page. */
  #schedulePost(): void {
    if (this.#postScheduled || this.#disposed) return;
    this.#postScheduled = true;
    setTimeout(() => {
      this.#postScheduled = false;
      if (!this.#pageReady || this.#disposed) return;
      const view = buildPanelView(
        {
          conversationId: this.conversationId,
          watch: this.#state,
          connection: panelConnection(this.#options.connection.client?.connection ?? null, this.#options.connection.signedIn),
          outbox: this.#outbox.entries,
          pendingContext: this.#pendingContext,
          notice: this.#notice,
        },
        this.#diff,
      );
      this.#post({ type: 'view', view });
    }, 16);
  }

  #post(message: HostToPanel): void {
    if (!this.#pageReady) return;
    void this.panel.webview.postMessage(message).then((delivered) => {
      // A page that did not get it (hidden, reloading) will say `ready` again and get everything.
      if (!delivered) this.#diff.reset();
    });
  }
}

/** The conversation a restored panel showed, from the state its page saved. */
export function restoredConversationId(state: unknown): string | null {
  return isPersistedState(state) ? state.conversationId : null;
}
