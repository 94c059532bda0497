/**
 * AI SDK `UIMessage`s on the Confab side: the request body `useChat`'s default transport posts,
 * what Confab takes from it (the last user message's text: the history is Confab's own), and a
 * conversation's messages as `UIMessage`s for an app to start `useChat` with after a reload.
 */
import { z } from 'zod';
import { ConfabError } from '../../domain/errors.ts';
import { BusyPolicySchema, type Message, type Part } from '../../domain/schemas.ts';

const UiPartInputSchema = z.looseObject({ type: z.string(), text: z.string().optional() });
const UiMessageInputSchema = z.looseObject({ id: z.string(), role: z.enum(['system', 'user', 'assistant']), parts: z.array(UiPartInputSchema) });

/**
 * The body `DefaultChatTransport` posts: `id` (the chat id, which is the Confab conversation id),
 * `messages` (the whole chat as the client holds it), `trigger`, `messageId`; or, from a
 * `prepareSendMessagesRequest` that sends only the new message, `message`.
 */
export const UiChatRequestSchema = z.object({
  id: z.string().min(1).describe('The chat id: the Confab conversation id (`useChat({ id })`).'),
  messages: z.array(UiMessageInputSchema).optional().describe('The chat as the client holds it; only its last message is read.'),
  message: UiMessageInputSchema.optional().describe('The new message alone (instead of `messages`).'),
  trigger: z.enum(['submit-message', 'regenerate-message']).optional(),
  messageId: z.string().optional(),
  onBusy: BusyPolicySchema.optional().describe('What to do when a reply is already running (default: the conversation\'s policy).'),
});

export type UiChatRequest = z.infer<typeof UiChatRequestSchema>;

/**
 * The send a `useChat` request stands for: the text of its last message, which must be a user
 * message. Its UI message id becomes the send's `clientRequestId`, so a request repeated by the
 * client (a retry, a double click) is one send, not two.
 */
export function sendInputOf(request: UiChatRequest): { content: string; clientRequestId: string; onBusy?: UiChatRequest['onBusy'] } {
  if (request.trigger === 'regenerate-message') {
    throw new ConfabError('bad_request', 'Regenerating a reply is not supported: send a new message (Confab keeps every reply).');
  }
  const last = request.message ?? request.messages?.at(-1);
  if (last === undefined) throw new ConfabError('bad_request', 'The request has no message: send `messages` (the chat) or `message`.');
  if (last.role !== 'user') throw new ConfabError('bad_request', `The last message must be a user message, not ${last.role}.`);
  const unsupported = last.parts.find((part) => part.type !== 'text' && part.type !== 'step-start' && !part.type.startsWith('data-'));
  if (unsupported) throw new ConfabError('bad_request', `Message parts of type ${unsupported.type} are not supported; send text.`);
  const content = last.parts
    .map((part) => (part.type === 'text' ? (part.text ?? '') : ''))
    .filter((text) => text !== '')
    .join('\n\n');
  if (content === '') throw new ConfabError('bad_request', 'The message has no text.');
  return { content, clientRequestId: `ui:${last.id}`.slice(0, 200), ...(request.onBusy ? { onBusy: request.onBusy } : {}) };
}

const UiToolPartSchema = z.object({
  type: z.literal('dynamic-tool'),
  toolName: z.string(),
  toolCallId: z.string(),
  providerExecuted: z.literal(true),
  state: z.enum(['input-available', 'approval-requested', 'output-available', 'output-error']),
  input: z.unknown(),
  output: z.unknown().optional(),
  errorText: z.string().optional(),
  approval: z.object({ id: z.string() }).optional(),
});

export const UiMessagePartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('step-start') }),
  z.object({ type: z.literal('text'), text: z.string(), state: z.enum(['streaming', 'done']) }),
  z.object({ type: z.literal('reasoning'), text: z.string(), state: z.enum(['streaming', 'done']) }),
  UiToolPartSchema,
  z.object({ type: z.literal('data-plan'), id: z.string(), data: z.object({ entries: z.array(z.unknown()) }) }),
]);

export const UiMessageSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  parts: z.array(UiMessagePartSchema),
  metadata: z.object({ conversationId: z.string(), runId: z.string().nullable(), status: z.string() }),
});

export type UiMessage = z.infer<typeof UiMessageSchema>;
type UiMessagePart = z.infer<typeof UiMessagePartSchema>;

/** A Confab message as the `UIMessage` `useChat` would have built from its stream. */
export function toUiMessage(message: Message): UiMessage {
  const streaming = message.status === 'streaming';
  const parts: UiMessagePart[] = message.role === 'assistant' ? [{ type: 'step-start' }] : [];
  let stepHasResults = false;
  for (const part of message.parts) {
    const converted = toUiPart(part, streaming);
    if (converted === undefined) continue;
    if (stepHasResults) {
      parts.push({ type: 'step-start' });
      stepHasResults = false;
    }
    parts.push(converted);
    if (converted.type === 'dynamic-tool' && (converted.state === 'output-available' || converted.state === 'output-error')) stepHasResults = true;
  }
  return { id: message.id, role: message.role, parts, metadata: { conversationId: message.conversationId, runId: message.runId, status: message.status } };
}

function toUiPart(part: Part, streaming: boolean): UiMessagePart | undefined {
  switch (part.kind) {
    case 'text':
    case 'reasoning':
      return { type: part.kind, text: part.text, state: streaming ? 'streaming' : 'done' };
    case 'tool-call': {
      const base = { type: 'dynamic-tool', toolName: part.toolName, toolCallId: part.toolCallId, providerExecuted: true, input: part.state.input ?? null } as const;
      const state = part.state;
      if (state.status === 'completed') return { ...base, state: 'output-available', output: state.output ?? null };
      if (state.status === 'error') return { ...base, state: 'output-error', errorText: state.error };
      if (state.status === 'awaiting-approval') return { ...base, state: 'approval-requested', approval: { id: state.approvalId } };
      return { ...base, state: 'input-available' };
    }
    case 'plan':
      return { type: 'data-plan', id: part.id, data: { entries: part.entries } };
    case 'context':
      // A user message's attachment: its text went to the model, the chat shows the message.
      return undefined;
    case 'error':
      return { type: 'text', text: `Error: ${part.message}`, state: 'done' };
  }
}
