import type { CatalogWatch } from '../../../../src/client/index.ts';
import type { ConfabConnection } from './connection.ts';
import { refreshWhileVisible, type ConversationTree, type TreeNode } from './conversation-tree.ts';
import type { api } from './vscode-types.ts';

export type CatalogFollowerOptions = {
  connection: ConfabConnection;
  tree: ConversationTree;
  view: api.TreeView<TreeNode>;
  /** How often the list is read again while the feed is down (`confab.listRefreshSeconds`). */
  fallbackIntervalMs: () => number;
};

/**
 * Keeps the conversation list on the server's catalog feed, one watch per signed-in client (a new
 * one after every sign-in or server change). While the feed is down (reconnecting, or refused by
 * a proxy), the list falls back to being read on a timer; the feed's reload on reconnect catches up.
 */
export function followCatalog(options: CatalogFollowerOptions): api.Disposable {
  let watch: CatalogWatch | null = null;
  let fallback: api.Disposable | null = null;
  const stopFallback = () => {
    fallback?.dispose();
    fallback = null;
  };
  const startFallback = () => (fallback ??= refreshWhileVisible(options.view, options.tree, options.fallbackIntervalMs));
  const follow = () => {
    watch?.close();
    watch = null;
    const client = options.connection.client;
    if (!client) return stopFallback();
    const opened = (watch = client.watchCatalog());
    opened.onEvent((event) => options.tree.applyCatalog(event));
    opened.onStatus((status) => {
      if (watch !== opened) return;
      if (status === 'live') stopFallback();
      else startFallback();
    });
  };
  const unsubscribe = options.connection.onDidChangeClient(follow);
  follow();
  return {
    dispose() {
      unsubscribe();
      watch?.close();
      watch = null;
      stopFallback();
    },
  };
}
