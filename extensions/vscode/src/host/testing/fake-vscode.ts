/**
 * A small stand-in of the `vscode` API for unit tests: the slice this extension uses
 * (src/types/vscode.d.ts), in memory. Dialogs answer from a script (`answers`) and record what they
 * were asked; webview panels record what the host posted and let a test play the page.
 */
import { resolve as resolvePath } from 'node:path';
import type { Vscode } from '../vscode-types.ts';

type Listener<T> = (event: T) => unknown;

export class FakeEventEmitter<T> {
  readonly #listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>) => {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  };
  fire(data: T): void {
    for (const listener of [...this.#listeners]) listener(data);
  }
  dispose(): void {
    this.#listeners.clear();
  }
}

export class FakeUri {
  readonly scheme: string;
  readonly path: string;
  constructor(scheme: string, path: string) {
    this.scheme = scheme;
    this.path = path;
  }
  static file(path: string): FakeUri {
    return new FakeUri('file', resolvePath(path));
  }
  static parse(value: string): FakeUri {
    const url = new URL(value);
    return new FakeUri(url.protocol.slice(0, -1), decodeURIComponent(url.pathname));
  }
  static joinPath(base: FakeUri, ...segments: string[]): FakeUri {
    return new FakeUri(base.scheme, [base.path, ...segments].join('/').replace(/\/+/g, '/'));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

export class FakePosition {
  readonly line: number;
  readonly character: number;
  constructor(line: number, character: number) {
    this.line = line;
    this.character = character;
  }
}
export class FakeRange {
  readonly start: FakePosition;
  readonly end: FakePosition;
  constructor(start: FakePosition, end: FakePosition) {
    this.start = start;
    this.end = end;
  }
  get isEmpty(): boolean {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}
export class FakeSelection extends FakeRange {
  get anchor(): FakePosition {
    return this.start;
  }
  get active(): FakePosition {
    return this.end;
  }
}

/** A text editor over a string; `edit` applies replacements to `text`. */
export class FakeTextEditor {
  text: string;
  selection: FakeSelection;
  readonly document;
  constructor(path: string, text: string, selection: FakeSelection = new FakeSelection(new FakePosition(0, 0), new FakePosition(0, 0))) {
    this.text = text;
    this.selection = selection;
    const editor = this;
    this.document = {
      uri: FakeUri.file(path),
      languageId: 'plaintext',
      isUntitled: false,
      get lineCount() {
        return editor.text.split('\n').length;
      },
      lineAt: (line: number) => ({ text: editor.text.split('\n')[line] ?? '' }),
      getText: (range?: FakeRange) => (range ? editor.text.slice(editor.offset(range.start), editor.offset(range.end)) : editor.text),
    };
  }
  get selections(): FakeSelection[] {
    return [this.selection];
  }
  offset(position: FakePosition): number {
    const lines = this.text.split('\n');
    return lines.slice(0, position.line).reduce((sum, line) => sum + line.length + 1, 0) + position.character;
  }
  async edit(callback: (edit: { replace(range: FakeRange, value: string): void }) => void): Promise<boolean> {
    const edits: [FakeRange, string][] = [];
    callback({ replace: (range, value) => edits.push([range, value]) });
    for (const [range, value] of edits.reverse()) this.text = this.text.slice(0, this.offset(range.start)) + value + this.text.slice(this.offset(range.end));
    return true;
  }
}

/** A webview panel; `page` holds what the host posted, `fromPage` plays the page's messages. */
export class FakeWebviewPanel {
  readonly viewType: string;
  title: string;
  active = true;
  visible = true;
  disposed = false;
  readonly posted: any[] = [];
  readonly #received = new FakeEventEmitter<unknown>();
  readonly #disposed = new FakeEventEmitter<void>();
  readonly #viewState = new FakeEventEmitter<{ webviewPanel: FakeWebviewPanel }>();
  readonly #postListeners = new Set<() => void>();
  readonly webview;
  constructor(viewType: string, title: string) {
    this.viewType = viewType;
    this.title = title;
    const panel = this;
    this.webview = {
      html: '',
      options: {},
      cspSource: 'vscode-webview://fake',
      asWebviewUri: (uri: FakeUri) => new FakeUri('vscode-webview', uri.path),
      postMessage: async (message: unknown) => {
        if (panel.disposed) return false;
        panel.posted.push(message);
        for (const listener of panel.#postListeners) listener();
        return true;
      },
      onDidReceiveMessage: this.#received.event,
    };
  }
  readonly onDidDispose = (listener: () => unknown) => this.#disposed.event(listener);
  readonly onDidChangeViewState = (listener: (event: { webviewPanel: FakeWebviewPanel }) => unknown) => this.#viewState.event(listener);
  reveal(): void {
    this.active = true;
    this.#viewState.fire({ webviewPanel: this });
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.#disposed.fire();
  }
  fromPage(message: unknown): void {
    this.#received.fire(message);
  }
  /** The latest `view` the host posted. */
  get view(): any {
    return this.posted.filter((message) => message.type === 'view').at(-1)?.view ?? null;
  }
  /** Resolves when a posted view satisfies `check`. */
  waitForView(check: (view: any) => boolean, what: string, timeoutMs = 15_000): Promise<any> {
    return new Promise((resolve, reject) => {
      const test = () => {
        const view = this.view;
        if (view && check(view)) {
          cleanup();
          resolve(view);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; last view: ${JSON.stringify(this.view)?.slice(0, 2000)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#postListeners.delete(test);
      };
      this.#postListeners.add(test);
      test();
    });
  }
}

export type FakeVscode = ReturnType<typeof createFakeVscode>;

/** `answers`: what the next dialogs return, in order, keyed by kind; `asked` records the prompts. */
export function createFakeVscode(options: { folders?: string[]; settings?: Record<string, unknown> } = {}) {
  const answers = { input: [] as (string | undefined)[], quickPick: [] as ((items: any[]) => any)[], message: [] as (string | undefined)[] };
  const asked: { kind: string; text: string; items?: unknown }[] = [];
  const commands = new Map<string, (...args: any[]) => unknown>();
  const settings = new Map(Object.entries(options.settings ?? {}));
  const configurationChanged = new FakeEventEmitter<{ affectsConfiguration(section: string): boolean }>();
  const activeEditorChanged = new FakeEventEmitter<unknown>();
  const panels: FakeWebviewPanel[] = [];
  const folders = (options.folders ?? []).map((path, index) => ({ uri: FakeUri.file(path), name: path.split('/').at(-1)!, index }));
  let clipboard = '';
  const message = (kind: string) => async (text: string, ...items: unknown[]) => {
    asked.push({ kind, text, items });
    return answers.message.shift();
  };
  const window = {
    activeTextEditor: undefined as FakeTextEditor | undefined,
    visibleTextEditors: [] as FakeTextEditor[],
    onDidChangeActiveTextEditor: activeEditorChanged.event,
    showInputBox: async (input: { title?: string; prompt?: string; validateInput?: (value: string) => unknown }) => {
      asked.push({ kind: 'input', text: input.title ?? input.prompt ?? '' });
      const answer = answers.input.shift();
      if (answer !== undefined && input.validateInput && (await input.validateInput(answer))) throw new Error(`input "${answer}" fails validation: ${await input.validateInput(answer)}`);
      return answer;
    },
    showQuickPick: async (items: any[], input: { title?: string } = {}) => {
      asked.push({ kind: 'quickPick', text: input.title ?? '', items });
      return answers.quickPick.shift()?.(items);
    },
    showInformationMessage: message('information'),
    showWarningMessage: message('warning'),
    showErrorMessage: message('error'),
    showWorkspaceFolderPick: async () => folders[0],
    createWebviewPanel: (viewType: string, title: string) => {
      const panel = new FakeWebviewPanel(viewType, title);
      for (const other of panels) other.active = false;
      panels.push(panel);
      return panel;
    },
    registerWebviewPanelSerializer: () => ({ dispose() {} }),
    createTreeView: () => ({ visible: true, onDidChangeVisibility: new FakeEventEmitter().event, dispose() {} }),
    createStatusBarItem: () => ({ text: '', tooltip: '', command: '', show() {}, hide() {}, dispose() {} }),
  };
  const vscode = {
    Uri: FakeUri,
    EventEmitter: FakeEventEmitter,
    Position: FakePosition,
    Range: FakeRange,
    Selection: FakeSelection,
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ThemeIcon: class {
      readonly id: string;
      constructor(id: string) {
        this.id = id;
      }
    },
    TreeItem: class {
      label: string;
      collapsibleState: number;
      constructor(label: string, collapsibleState = 0) {
        this.label = label;
        this.collapsibleState = collapsibleState;
      }
    },
    window,
    workspace: {
      workspaceFolders: folders,
      getWorkspaceFolder: (uri: FakeUri) => folders.find((folder) => uri.path === folder.uri.path || uri.path.startsWith(`${folder.uri.path}/`)),
      getConfiguration: (section: string) => ({
        get: (key: string, fallback?: unknown) => (settings.has(`${section}.${key}`) ? settings.get(`${section}.${key}`) : fallback),
        update: async (key: string, value: unknown) => {
          settings.set(`${section}.${key}`, value);
          configurationChanged.fire({ affectsConfiguration: (name) => name === `${section}.${key}` || name === section });
        },
      }),
      onDidChangeConfiguration: configurationChanged.event,
      onDidChangeWorkspaceFolders: new FakeEventEmitter().event,
    },
    commands: {
      registerCommand: (name: string, callback: (...args: any[]) => unknown) => {
        commands.set(name, callback);
        return { dispose: () => commands.delete(name) };
      },
      executeCommand: async (name: string, ...args: unknown[]) => (name === 'setContext' ? undefined : commands.get(name)?.(...args)),
    },
    env: {
      clipboard: {
        readText: async () => clipboard,
        writeText: async (value: string) => void (clipboard = value),
      },
    },
  };
  return { vscode: vscode as unknown as Vscode, window, answers, asked, panels, settings, commands, clipboard: () => clipboard };
}

/** An in-memory SecretStorage. */
export function memorySecrets() {
  const values = new Map<string, string>();
  return {
    values,
    get: async (key: string) => values.get(key),
    store: async (key: string, value: string) => void values.set(key, value),
    delete: async (key: string) => void values.delete(key),
  };
}
