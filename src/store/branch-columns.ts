import type { Conversation, Message } from '../domain/schemas.ts';

/**
 * How the SQL stores keep a message's place in the tree and the branch a conversation shows.
 * `parent_id`: NULL when the message has no `parentId` (written before branches existed), '' for a
 * first message (`parentId: null`; ids are never empty), else the parent's id.
 * `active_message_id`: NULL when absent.
 */
export function parentColumn(message: Message): string | null {
  return message.parentId === undefined ? null : (message.parentId ?? '');
}

export function parentFromColumn(value: unknown): Pick<Message, 'parentId'> {
  if (value === null || value === undefined) return {};
  return { parentId: value === '' ? null : (value as string) };
}

export function activeMessageFromColumn(value: unknown): Pick<Conversation, 'activeMessageId'> {
  return value === null || value === undefined ? {} : { activeMessageId: value as string };
}
