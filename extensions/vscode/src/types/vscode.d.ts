/**
 * The slice of the VS Code extension API this extension uses, declared here instead of depending on
 * `@types/vscode` (the real module is provided by the editor at run time; `vscode` is external in the
 * bundle). Signatures follow the published API; only what is used is declared. The unit tests'
 * stand-in (`src/host/testing/fake-vscode.ts`) implements the same slice, and the end-to-end test in
 * a real VS Code (test/vscode/) checks the declarations against the real thing.
 */
declare module 'vscode' {
  export interface Disposable {
    dispose(): unknown;
  }
  export const Disposable: { from(...disposables: { dispose(): unknown }[]): Disposable };

  export type Event<T> = (listener: (event: T) => unknown) => Disposable;
  export class EventEmitter<T> {
    event: Event<T>;
    fire(data: T): void;
    dispose(): void;
  }

  export type Thenable<T> = PromiseLike<T>;

  export class Uri {
    static file(path: string): Uri;
    static parse(value: string): Uri;
    static joinPath(base: Uri, ...segments: string[]): Uri;
    readonly scheme: string;
    readonly fsPath: string;
    readonly path: string;
    toString(): string;
  }

  export class Position {
    constructor(line: number, character: number);
    readonly line: number;
    readonly character: number;
  }
  export class Range {
    constructor(start: Position, end: Position);
    readonly start: Position;
    readonly end: Position;
    readonly isEmpty: boolean;
  }
  export class Selection extends Range {
    constructor(anchor: Position, active: Position);
    readonly anchor: Position;
    readonly active: Position;
  }

  export interface TextLine {
    readonly text: string;
  }
  export interface TextDocument {
    readonly uri: Uri;
    readonly languageId: string;
    readonly lineCount: number;
    readonly isUntitled: boolean;
    getText(range?: Range): string;
    lineAt(line: number): TextLine;
  }
  export interface TextEditorEdit {
    replace(location: Range | Selection, value: string): void;
  }
  export interface TextEditor {
    readonly document: TextDocument;
    selection: Selection;
    readonly selections: readonly Selection[];
    edit(callback: (editBuilder: TextEditorEdit) => void): Thenable<boolean>;
  }

  export interface WorkspaceFolder {
    readonly uri: Uri;
    readonly name: string;
    readonly index: number;
  }

  export interface WorkspaceConfiguration {
    get<T>(section: string): T | undefined;
    get<T>(section: string, defaultValue: T): T;
    update(section: string, value: unknown, target?: ConfigurationTarget | boolean): Thenable<void>;
  }
  export enum ConfigurationTarget {
    Global = 1,
    Workspace = 2,
    WorkspaceFolder = 3,
  }
  export interface ConfigurationChangeEvent {
    affectsConfiguration(section: string): boolean;
  }

  export namespace workspace {
    const workspaceFolders: readonly WorkspaceFolder[] | undefined;
    function getWorkspaceFolder(uri: Uri): WorkspaceFolder | undefined;
    function getConfiguration(section?: string): WorkspaceConfiguration;
    const onDidChangeConfiguration: Event<ConfigurationChangeEvent>;
    const onDidChangeWorkspaceFolders: Event<unknown>;
    function asRelativePath(pathOrUri: string | Uri, includeWorkspaceFolder?: boolean): string;
  }

  export interface SecretStorage {
    get(key: string): Thenable<string | undefined>;
    store(key: string, value: string): Thenable<void>;
    delete(key: string): Thenable<void>;
  }
  export interface Memento {
    get<T>(key: string): T | undefined;
    update(key: string, value: unknown): Thenable<void>;
  }
  export interface ExtensionContext {
    readonly subscriptions: { dispose(): unknown }[];
    readonly extensionUri: Uri;
    readonly secrets: SecretStorage;
    readonly workspaceState: Memento;
    readonly globalState: Memento;
  }

  export interface InputBoxOptions {
    title?: string;
    prompt?: string;
    placeHolder?: string;
    value?: string;
    password?: boolean;
    ignoreFocusOut?: boolean;
    validateInput?(value: string): string | undefined | null | Thenable<string | undefined | null>;
  }
  export interface QuickPickItem {
    label: string;
    description?: string;
    detail?: string;
  }
  export interface QuickPickOptions {
    title?: string;
    placeHolder?: string;
    ignoreFocusOut?: boolean;
  }
  export interface MessageOptions {
    modal?: boolean;
    detail?: string;
  }
  export interface MessageItem {
    title: string;
  }
  export interface WorkspaceFolderPickOptions {
    placeHolder?: string;
  }

  export enum ViewColumn {
    Active = -1,
    Beside = -2,
    One = 1,
    Two = 2,
  }
  export enum StatusBarAlignment {
    Left = 1,
    Right = 2,
  }
  export interface StatusBarItem {
    text: string;
    tooltip: string | undefined;
    command: string | undefined;
    show(): void;
    hide(): void;
    dispose(): void;
  }

  export interface Webview {
    html: string;
    options: WebviewOptions;
    readonly cspSource: string;
    asWebviewUri(localResource: Uri): Uri;
    postMessage(message: unknown): Thenable<boolean>;
    readonly onDidReceiveMessage: Event<unknown>;
  }
  export interface WebviewOptions {
    readonly enableScripts?: boolean;
    readonly localResourceRoots?: readonly Uri[];
    readonly enableCommandUris?: boolean;
  }
  export interface WebviewPanelOptions {
    readonly retainContextWhenHidden?: boolean;
    readonly enableFindWidget?: boolean;
  }
  export interface WebviewPanelOnDidChangeViewStateEvent {
    readonly webviewPanel: WebviewPanel;
  }
  export interface WebviewPanel {
    readonly viewType: string;
    title: string;
    iconPath?: Uri | { light: Uri; dark: Uri };
    readonly webview: Webview;
    readonly active: boolean;
    readonly visible: boolean;
    readonly onDidDispose: Event<void>;
    readonly onDidChangeViewState: Event<WebviewPanelOnDidChangeViewStateEvent>;
    reveal(viewColumn?: ViewColumn, preserveFocus?: boolean): void;
    dispose(): unknown;
  }
  export interface WebviewPanelSerializer<T = unknown> {
    deserializeWebviewPanel(webviewPanel: WebviewPanel, state: T): Thenable<void>;
  }

  export enum TreeItemCollapsibleState {
    None = 0,
    Collapsed = 1,
    Expanded = 2,
  }
  export class ThemeIcon {
    constructor(id: string);
    static readonly File: ThemeIcon;
  }
  export interface Command {
    title: string;
    command: string;
    arguments?: unknown[];
  }
  export class TreeItem {
    constructor(label: string, collapsibleState?: TreeItemCollapsibleState);
    id?: string;
    label?: string;
    description?: string | boolean;
    tooltip?: string;
    iconPath?: ThemeIcon;
    command?: Command;
    contextValue?: string;
    collapsibleState?: TreeItemCollapsibleState;
  }
  export interface TreeDataProvider<T> {
    onDidChangeTreeData?: Event<T | undefined | null | void>;
    getTreeItem(element: T): TreeItem | Thenable<TreeItem>;
    getChildren(element?: T): T[] | undefined | null | Thenable<T[] | undefined | null>;
  }
  export interface TreeView<T> extends Disposable {
    readonly visible: boolean;
    readonly onDidChangeVisibility: Event<{ readonly visible: boolean }>;
    message?: string;
    readonly selection: readonly T[];
  }

  export interface Terminal {
    readonly name: string;
    /** The selected text (VS Code 1.93+); undefined when nothing is selected or the editor is older. */
    readonly selection?: string;
  }

  export namespace window {
    const activeTextEditor: TextEditor | undefined;
    const activeTerminal: Terminal | undefined;
    const visibleTextEditors: readonly TextEditor[];
    const onDidChangeActiveTextEditor: Event<TextEditor | undefined>;
    function showInputBox(options?: InputBoxOptions): Thenable<string | undefined>;
    function showQuickPick<T extends QuickPickItem>(items: readonly T[] | Thenable<readonly T[]>, options?: QuickPickOptions): Thenable<T | undefined>;
    function showInformationMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
    function showInformationMessage<T extends string>(message: string, options: MessageOptions, ...items: T[]): Thenable<T | undefined>;
    function showWarningMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
    function showWarningMessage<T extends string>(message: string, options: MessageOptions, ...items: T[]): Thenable<T | undefined>;
    function showErrorMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
    function showWorkspaceFolderPick(options?: WorkspaceFolderPickOptions): Thenable<WorkspaceFolder | undefined>;
    function createWebviewPanel(
      viewType: string,
      title: string,
      showOptions: ViewColumn | { readonly viewColumn: ViewColumn; readonly preserveFocus?: boolean },
      options?: WebviewPanelOptions & WebviewOptions,
    ): WebviewPanel;
    function registerWebviewPanelSerializer(viewType: string, serializer: WebviewPanelSerializer): Disposable;
    function createTreeView<T>(viewId: string, options: { treeDataProvider: TreeDataProvider<T>; showCollapseAll?: boolean }): TreeView<T>;
    function createStatusBarItem(alignment?: StatusBarAlignment, priority?: number): StatusBarItem;
    function showTextDocument(document: TextDocument, options?: { selection?: Range; preview?: boolean; viewColumn?: ViewColumn }): Thenable<TextEditor>;
  }

  export namespace commands {
    function registerCommand(command: string, callback: (...args: any[]) => unknown): Disposable;
    function executeCommand<T = unknown>(command: string, ...rest: unknown[]): Thenable<T>;
  }

  export namespace env {
    const clipboard: { readText(): Thenable<string>; writeText(value: string): Thenable<void> };
  }
}
