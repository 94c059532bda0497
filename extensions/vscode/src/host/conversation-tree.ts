/**
 * The "Confab" view in the activity bar: the conversations of the workspace's project(s), newest
 * first, with what runs now. A project's list is read once and then follows the catalog feed
 * (`applyCatalog`, fed by catalog-follower.ts); it is read again after a `catalog-reload`, when a
 * panel sees its conversation change or a command here changes one, and, only while the feed is
 * down, every `confab.listRefreshSeconds` while the view is visible.
 */
import { watchStatusOf, type CatalogEvent, type ConfabClient, type ConversationSummary, type WatchStatus } from '../../../../src/client/index.ts';
import type { ConfabConnection } from './connection.ts';
import { describeError } from './describe-error.ts';
import type { ProjectResolver } from './project-resolver.ts';
import type { Vscode, api } from './vscode-types.ts';

export type TreeNode =
  | { kind: 'folder'; folder: api.WorkspaceFolder; projectName: string | null }
  | { kind: 'conversation'; conversation: ConversationSummary; status: WatchStatus | null }
  | { kind: 'problem'; message: string };

export type ConversationTreeOptions = {
  vscode: Vscode;
  connection: ConfabConnection;
  projects: ProjectResolver;
  /** Statuses the open panels know first-hand (their watches are live). */
  liveStatus(conversationId: string): WatchStatus | null;
  /** At most this many conversations per project are listed. */
  limit?: number;
};

const statusText: Record<WatchStatus, string> = { running: 'running', 'requires-action': 'needs approval', queued: 'queued', idle: '' };


export class ConversationTree implements api.TreeDataProvider<TreeNode> {
  readonly #options: ConversationTreeOptions;
  readonly #changed: api.EventEmitter<TreeNode | undefined>;
  readonly onDidChangeTreeData: api.Event<TreeNode | undefined>;
  /** Each project's list as last read, kept current by the catalog feed. */
  readonly #lists = new Map<string, ConversationSummary[]>();
  /** Run states from `/v1/sessions` when a list was read, then from the feed. */
  readonly #serverStatus = new Map<string, WatchStatus>();

  constructor(options: ConversationTreeOptions) {
    this.#options = options;
    this.#changed = new options.vscode.EventEmitter<TreeNode | undefined>();
    this.onDidChangeTreeData = this.#changed.event;
  }

  /** Reads every list again. */
  refresh(): void {
    this.#lists.clear();
    this.#changed.fire(undefined);
  }

  /** One catalog event: the lists change in place, with no request (a reload reads them again). */
  applyCatalog(event: CatalogEvent): void {
    switch (event.type) {
      case 'catalog-reload':
        return this.refresh();
      case 'project-created':
      case 'project-deleted':
        // Which project a workspace folder maps to may have changed.
        this.#options.projects.forget();
        return this.refresh();
      case 'conversation-created':
      case 'conversation-updated': {
        const { conversation } = event.data;
        const list = this.#lists.get(conversation.projectName);
        if (!list) return;
        const previous = list.find((existing) => existing.id === conversation.id);
        const next = [{ ...conversation, messageCount: previous?.messageCount ?? 0 }, ...list.filter((existing) => existing.id !== conversation.id)];
        this.#lists.set(conversation.projectName, next.sort((a, b) => b.updatedAt - a.updatedAt).slice(0, this.#options.limit ?? 100));
        return this.#changed.fire(undefined);
      }
      case 'conversation-deleted':
        for (const [projectName, list] of this.#lists) this.#lists.set(projectName, list.filter((existing) => existing.id !== event.data.conversationId));
        return this.#changed.fire(undefined);
      case 'session-status':
        this.#serverStatus.set(event.data.conversationId, watchStatusOf(event.data.status));
        return this.#changed.fire(undefined);
    }
  }

  getTreeItem(node: TreeNode): api.TreeItem {
    const { TreeItem, TreeItemCollapsibleState, ThemeIcon } = this.#options.vscode;
    if (node.kind === 'problem') {
      const item = new TreeItem(node.message, TreeItemCollapsibleState.None);
      item.iconPath = new ThemeIcon('warning');
      return item;
    }
    if (node.kind === 'folder') {
      const item = new TreeItem(node.folder.name, TreeItemCollapsibleState.Expanded);
      item.description = node.projectName ? `project ${node.projectName}` : 'no project yet';
      item.iconPath = new ThemeIcon('root-folder');
      item.contextValue = 'folder';
      item.id = `folder:${node.folder.uri.toString()}`;
      return item;
    }
    const { conversation } = node;
    const item = new TreeItem(conversation.title || 'New chat', TreeItemCollapsibleState.None);
    const status = node.status ?? 'idle';
    item.id = conversation.id;
    item.description = statusText[status] || `${conversation.messageCount} messages`;
    item.tooltip = `${conversation.title || 'New chat'}\n${conversation.model || 'no model'} · updated ${new Date(conversation.updatedAt).toLocaleString()}`;
    item.iconPath = new ThemeIcon(status === 'running' ? 'loading~spin' : status === 'requires-action' ? 'question' : 'comment-discussion');
    item.contextValue = 'conversation';
    item.command = { title: 'Open', command: 'confab.openConversation', arguments: [conversation.id] };
    return item;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    const client = this.#options.connection.client;
    if (!client) return [];
    const folders = this.#options.vscode.workspace.workspaceFolders ?? [];
    try {
      if (!node) {
        if (folders.length === 1) return await this.#conversations(client, folders[0]);
        return await Promise.all(
          folders.map(async (folder) => ({ kind: 'folder' as const, folder, projectName: (await this.#options.projects.existing(client, folder))?.name ?? null })),
        );
      }
      if (node.kind === 'folder') return await this.#conversations(client, node.folder);
      return [];
    } catch (error) {
      return [{ kind: 'problem', message: describeError(error) }];
    }
  }

  async #conversations(client: ConfabClient, folder: api.WorkspaceFolder): Promise<TreeNode[]> {
    const project = await this.#options.projects.existing(client, folder);
    if (!project) return [];
    const conversations = this.#lists.get(project.name) ?? (await this.#read(client, project.name));
    return conversations.map((conversation) => ({
      kind: 'conversation' as const,
      conversation,
      status: this.#options.liveStatus(conversation.id) ?? this.#serverStatus.get(conversation.id) ?? null,
    }));
  }

  async #read(client: ConfabClient, projectName: string): Promise<ConversationSummary[]> {
    const [{ conversations }, sessions] = await Promise.all([
      client.conversations.list({ project: projectName, limit: this.#options.limit ?? 100 }),
      client.sessions().catch(() => []),
    ]);
    for (const session of sessions) this.#serverStatus.set(session.conversationId, session.status);
    this.#lists.set(projectName, conversations);
    return conversations;
  }
}

/** Re-reads the list on a timer while the view is visible; stops when hidden or disposed (the fallback while the catalog feed is down). */
export function refreshWhileVisible(view: api.TreeView<TreeNode>, tree: ConversationTree, intervalMs: () => number): api.Disposable {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = view.visible ? setTimeout(tick, intervalMs()) : null;
  };
  const tick = () => {
    tree.refresh();
    schedule();
  };
  const subscription = view.onDidChangeVisibility(() => {
    if (view.visible) tree.refresh();
    schedule();
  });
  schedule();
  return {
    dispose() {
      subscription.dispose();
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
