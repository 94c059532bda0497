/**
 * Messages form a tree: each has a parent (`parentId`), and a regenerated reply or an edited
 * message is a new child beside the one it replaces. A conversation shows one branch, from a first
 * message down to a leaf; the prompt of a run is the branch up to the message it writes. These
 * functions read the tree from a conversation's message list (in first-written order). Browser-safe.
 */
import type { Message } from './schemas.ts';

type Node = Pick<Message, 'id' | 'parentId'>;

export type BranchTree<M extends Node> = {
  byId: Map<string, M>;
  parentOf: Map<string, string | null>;
  /** Children in first-written order, by parent id (null: the first messages). */
  children: Map<string | null, M[]>;
};

/** A message without `parentId` (written before branches existed) follows the message before it. */
export function branchTree<M extends Node>(messages: readonly M[]): BranchTree<M> {
  const byId = new Map<string, M>();
  const parentOf = new Map<string, string | null>();
  const children = new Map<string | null, M[]>();
  let previous: string | null = null;
  for (const message of messages) {
    const parent = message.parentId === undefined ? previous : message.parentId;
    byId.set(message.id, message);
    parentOf.set(message.id, parent);
    const siblings = children.get(parent);
    if (siblings) siblings.push(message);
    else children.set(parent, [message]);
    previous = message.id;
  }
  return { byId, parentOf, children };
}

/** The message and its ancestors, first message first (empty for an unknown id). */
export function pathTo<M extends Node>(messages: readonly M[], messageId: string, tree = branchTree(messages)): M[] {
  const path: M[] = [];
  // Bounded by the message count, so a parent cycle in damaged data cannot loop forever.
  for (let id: string | null | undefined = messageId; id != null && path.length < messages.length; id = tree.parentOf.get(id)) {
    const message = tree.byId.get(id);
    if (!message) break;
    path.push(message);
  }
  return path.reverse();
}

/**
 * The branch a conversation shows: the path to `activeMessageId` (absent or unknown: nothing), then
 * the newest child at each step below it. With no branches this is the whole list.
 */
export function activeBranch<M extends Node>(messages: readonly M[], activeMessageId?: string, tree = branchTree(messages)): M[] {
  const path = activeMessageId !== undefined && tree.byId.has(activeMessageId) ? pathTo(messages, activeMessageId, tree) : [];
  for (let below = tree.children.get(path.at(-1)?.id ?? null); below && path.length < messages.length; below = tree.children.get(path.at(-1)!.id)) {
    path.push(below.at(-1)!);
  }
  return path;
}

/** Where a message stands among its siblings (itself included), for "‹ 2 / 3 ›". */
export function siblingsOf<M extends Node>(messageId: string, tree: BranchTree<M>): { siblings: M[]; index: number } {
  const siblings = tree.children.get(tree.parentOf.get(messageId) ?? null) ?? [];
  return { siblings, index: siblings.findIndex((sibling) => sibling.id === messageId) };
}
