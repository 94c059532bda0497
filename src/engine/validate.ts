import { z } from 'zod';
import { ConfabError } from '../domain/errors.ts';
import { SendInputSchema, type ConversationPatch, type NewConversation, type SendInput } from '../domain/requests.ts';
import type { Conversation } from '../domain/schemas.ts';
import type { HubLimits } from './hub-options.ts';

/** Checks a send against its schema and the hub's limits; throws a ConfabError and changes nothing. */
export function validateSendInput(input: SendInput, limits: HubLimits): void {
  const parsed = SendInputSchema.safeParse(input);
  if (!parsed.success) throw new ConfabError('bad_request', z.prettifyError(parsed.error));
  if (input.content.length > limits.maxMessageChars) {
    throw new ConfabError('payload_too_large', `The message has ${input.content.length} characters; the limit is ${limits.maxMessageChars}.`);
  }
  if ((input.context?.length ?? 0) > limits.maxContextParts) {
    throw new ConfabError('payload_too_large', `The message has ${input.context!.length} context attachments; the limit is ${limits.maxContextParts}.`);
  }
}

export function validateConversationPatch(conversation: Conversation, limits: HubLimits): void {
  if (conversation.title.length > 200) throw new ConfabError('bad_request', 'The title is longer than 200 characters.');
  if (conversation.systemPrompt.length > limits.maxSystemPromptChars) {
    throw new ConfabError('payload_too_large', `The system prompt has ${conversation.systemPrompt.length} characters; the limit is ${limits.maxSystemPromptChars}.`);
  }
  if (!['enqueue', 'reject', 'interrupt', 'steer'].includes(conversation.busyPolicy)) throw new ConfabError('bad_request', 'busyPolicy must be enqueue, reject, interrupt or steer.');
}

export type { SendInput, NewConversation, ConversationPatch };
