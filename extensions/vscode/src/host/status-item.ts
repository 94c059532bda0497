/** The status bar item: signed out, connected, or reconnecting (with the attempt); click signs in or opens the list. */
import type { ConfabConnection } from './connection.ts';
import type { Vscode, api } from './vscode-types.ts';

export class StatusItem {
  readonly #item: api.StatusBarItem;
  readonly #connection: ConfabConnection;
  readonly #unsubscribe: (() => void)[];

  constructor(vscode: Vscode, connection: ConfabConnection) {
    this.#connection = connection;
    this.#item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
    this.#unsubscribe = [connection.onDidChangeClient(() => this.update()), connection.onDidChangeState(() => this.update())];
    this.update();
    this.#item.show();
  }

  update(): void {
    const client = this.#connection.client;
    if (!client) {
      this.#item.text = '$(circle-slash) Confab: signed out';
      this.#item.tooltip = 'Sign in to a Confab server';
      this.#item.command = 'confab.signIn';
      return;
    }
    const { status, attempt, error } = client.connection;
    this.#item.command = 'workbench.view.extension.confab';
    if (status === 'reconnecting') {
      this.#item.text = `$(sync~spin) Confab: reconnecting (${attempt})`;
      this.#item.tooltip = `${this.#connection.url}: ${error?.message ?? 'connection lost'}`;
    } else {
      this.#item.text = status === 'open' ? '$(comment-discussion) Confab' : '$(comment-discussion) Confab: idle';
      this.#item.tooltip = `Confab at ${this.#connection.url} (${status})`;
    }
  }

  dispose(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#item.dispose();
  }
}
