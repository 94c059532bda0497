import { isAgentSource } from '../agents/agent-source.ts';
import { ConfabError } from '../domain/errors.ts';
import { branchTree } from '../domain/branches.ts';
import type { Conversation, ConversationState, Message } from '../domain/schemas.ts';
import type { LiveConversation } from './live-conversation.ts';
import type { ModelResolver } from './run/run-context.ts';

/**
 * What the branch commands (send from a message, regenerate, select a branch) check before they
 * change anything, and the conversation record that shows a branch.
 */

/** A send's `parentId`: a reply in this conversation (a user message follows an assistant one), or null for a new first message. */
export function checkSendParent(state: ConversationState, parentId: string | null): void {
  if (parentId === null) return;
  const parent = findMessage(state, parentId);
  if (parent.role !== 'assistant') throw new ConfabError('bad_request', 'parentId must name an assistant message (a user message follows a reply), or be null for a new first message.');
}

/** The user message whose reply `messageId` (that reply, or the user message itself) is regenerated. */
export function regenerateTarget(state: ConversationState, messageId: string): Message {
  const message = findMessage(state, messageId);
  if (message.role === 'user') return message;
  const parentId = branchTree(state.messages).parentOf.get(message.id) ?? null;
  const parent = parentId === null ? undefined : state.messages.find((candidate) => candidate.id === parentId);
  if (parent?.role !== 'user') throw new ConfabError('bad_request', 'Only a reply to a user message can be regenerated.');
  return parent;
}

export function findMessage(state: ConversationState, messageId: string): Message {
  const message = state.messages.find((candidate) => candidate.id === messageId);
  if (!message) throw new ConfabError('not_found', `No message ${messageId} in this conversation.`);
  return message;
}

/** The conversation showing the branch through `messageId` (null: the newest first message). */
export function showingBranch(conversation: Conversation, messageId: string | null): Conversation {
  const { activeMessageId: _, ...rest } = conversation;
  return messageId === null ? rest : { ...rest, activeMessageId: messageId };
}

/** Emits the conversation showing the branch through `messageId` (null: the newest first message), unless it already does. */
export function showBranch(live: LiveConversation, messageId: string | null): void {
  const current = live.state.conversation;
  if ((current.activeMessageId ?? null) === messageId) return;
  live.emit({ type: 'conversation-updated', runId: null, data: { conversation: showingBranch(current, messageId) } });
}

/** A coding agent keeps one linear session of its own: a turn cannot start from an earlier point of it. */
export function requireBranchable(models: ModelResolver, model: string): void {
  if (isAgentSource(models.resolve(model).source)) {
    throw new ConfabError('bad_request', 'This conversation runs a coding agent, which keeps one session of its own: regenerate and sending from an earlier message are not available.');
  }
}
