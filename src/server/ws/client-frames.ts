import { z } from 'zod';
import { ApproveInputSchema } from '../../domain/approval-schemas.ts';
import { MessageRefInputSchema, SendInputSchema } from '../../domain/requests.ts';

/**
 * Frames a WebSocket client sends, defined once as data. Every frame may carry an `id` (string or
 * number) that the server echoes in its `ack`, `error` or `pong`.
 */
const FrameId = z.union([z.string().max(200), z.number()]).optional();
const ConversationId = z.string().min(1);

export const clientFrameSchemas = {
  subscribe: z.object({ type: z.literal('subscribe'), id: FrameId, conversationId: ConversationId, after: z.string().nullable().optional() }),
  unsubscribe: z.object({ type: z.literal('unsubscribe'), id: FrameId, conversationId: ConversationId }),
  send: SendInputSchema.extend({ type: z.literal('send'), id: FrameId, conversationId: ConversationId }),
  stop: z.object({ type: z.literal('stop'), id: FrameId, conversationId: ConversationId, runId: z.string().min(1).optional() }),
  continue: z.object({ type: z.literal('continue'), id: FrameId, conversationId: ConversationId }),
  regenerate: MessageRefInputSchema.extend({ type: z.literal('regenerate'), id: FrameId, conversationId: ConversationId }),
  'select-branch': MessageRefInputSchema.extend({ type: z.literal('select-branch'), id: FrameId, conversationId: ConversationId }),
  approve: ApproveInputSchema.extend({ type: z.literal('approve'), id: FrameId, conversationId: ConversationId, approvalId: z.string().min(1) }),
  ping: z.object({ type: z.literal('ping'), id: FrameId }),
  'subscribe-catalog': z.object({ type: z.literal('subscribe-catalog'), id: FrameId, after: z.string().max(200).nullable().optional() }),
  'unsubscribe-catalog': z.object({ type: z.literal('unsubscribe-catalog'), id: FrameId }),
};

export const ClientFrameSchema = z.discriminatedUnion('type', [
  clientFrameSchemas.subscribe,
  clientFrameSchemas.unsubscribe,
  clientFrameSchemas.send,
  clientFrameSchemas.stop,
  clientFrameSchemas.continue,
  clientFrameSchemas.regenerate,
  clientFrameSchemas['select-branch'],
  clientFrameSchemas.approve,
  clientFrameSchemas.ping,
  clientFrameSchemas['subscribe-catalog'],
  clientFrameSchemas['unsubscribe-catalog'],
]);

export type ClientFrame = z.infer<typeof ClientFrameSchema>;
export type FrameIdValue = string | number;

/** Server frames other than events (events are the envelopes themselves, told apart by `seq`). */
export type ServerControlFrame =
  | { type: 'ack'; id?: FrameIdValue; result: unknown }
  | { type: 'error'; id?: FrameIdValue; error: { code: string; message: string } }
  | { type: 'pong'; id?: FrameIdValue };

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; id: FrameIdValue | undefined; message: string };

/** Parses one text frame; on failure says why and recovers the `id` when there is a usable one. */
export function parseClientFrame(text: string): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, id: undefined, message: 'The frame is not valid JSON.' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, id: undefined, message: 'A frame must be a JSON object.' };
  const rawId = (json as { id?: unknown }).id;
  const id = FrameId.safeParse(rawId).success ? (rawId as FrameIdValue | undefined) : undefined;
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(clientFrameSchemas, type)) {
    return { ok: false, id, message: `Unknown frame type ${JSON.stringify(type ?? null)}; expected one of ${Object.keys(clientFrameSchemas).join(', ')}.` };
  }
  const parsed = ClientFrameSchema.safeParse(json);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const problems = parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message));
  return { ok: false, id, message: `Invalid ${type} frame: ${problems.join('; ')}` };
}
