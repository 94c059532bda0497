import { z } from 'zod';
import { ConversationExportSchema, type ConversationExport } from '../domain/conversation-export.ts';
import { ConfabError } from '../domain/errors.ts';
import type { Conversation, Message } from '../domain/schemas.ts';
import type { IdGenerator } from '../util/ids.ts';

/** The export in `data`, or `bad_request` saying what is wrong with it. */
export function parseExport(data: unknown): ConversationExport {
  const parsed = ConversationExportSchema.safeParse(data);
  if (!parsed.success) throw new ConfabError('bad_request', `Not a Confab conversation export: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Messages one import may bring (the REST body limit usually binds first). */
export const maxImportedMessages = 5_000;

/**
 * A conversation export made into new records: fresh ids (parent links and the branch shown
 * follow them), the given project and model, no runs, no remembered approval answers (a file
 * must not grant a tool "always"), and no message left `streaming` (it becomes `interrupted`).
 * Throws `bad_request`, changing nothing, for an export whose message links do not hold.
 */
export function importedRecords(
  exported: ConversationExport,
  options: { projectName: string; model: string; newId: IdGenerator; now: number },
): { conversation: Conversation; messages: Message[] } {
  if (exported.messages.length > maxImportedMessages) throw new ConfabError('payload_too_large', `The export has ${exported.messages.length} messages; the limit is ${maxImportedMessages}.`);
  const id = options.newId('conv');
  const ids = new Map<string, string>();
  for (const message of exported.messages) {
    if (ids.has(message.id)) throw new ConfabError('bad_request', `The export has message ${message.id} twice.`);
    ids.set(message.id, options.newId('msg'));
  }
  const mapped = (messageId: string) => {
    const next = ids.get(messageId);
    if (next === undefined) throw new ConfabError('bad_request', `The export refers to message ${messageId}, which it does not have.`);
    return next;
  };
  const messages = exported.messages.map((message): Message => ({
    ...message,
    id: mapped(message.id),
    conversationId: id,
    ...(message.parentId == null ? {} : { parentId: mapped(message.parentId) }),
    runId: null,
    status: message.status === 'streaming' ? 'interrupted' : message.status,
  }));
  const { toolRules: _, activeMessageId, ...conversation } = exported.conversation;
  return {
    conversation: {
      ...conversation,
      id,
      projectName: options.projectName,
      model: options.model,
      ...(activeMessageId === undefined || !ids.has(activeMessageId) ? {} : { activeMessageId: mapped(activeMessageId) }),
      updatedAt: options.now,
    },
    messages,
  };
}
