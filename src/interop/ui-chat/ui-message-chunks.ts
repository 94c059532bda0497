/**
 * The chunks of the AI SDK's UI message stream protocol (`x-vercel-ai-ui-message-stream: v1`) that
 * Confab sends, defined once as data: the server's OpenAPI document describes the `useChat`
 * routes with these schemas, and the types below are what `UiMessageDiff` produces. Each is one
 * SSE `data:` line; the stream ends with `data: [DONE]`. The full protocol is the `ai` package's
 * `UIMessageChunk`; this is the subset a Confab conversation maps to.
 */
import { z } from 'zod';
import { CostSchema, FinishReasonSchema, PlanEntrySchema, UsageSchema } from '../../domain/schemas.ts';

/** What `message.metadata` holds on the `useChat` side: where the reply came from, and after it ended, what it cost. */
export const UiMessageMetadataSchema = z.object({
  conversationId: z.string(),
  runId: z.string(),
  /** Confab's own finish reason (`tool-limit`, `stopped`, …), more precise than the AI SDK's. */
  confabFinishReason: FinishReasonSchema.optional(),
  usage: UsageSchema.optional(),
  cost: CostSchema.nullable().optional(),
});

const id = z.string();
/** Confab runs every tool itself, so to the AI SDK each call is a provider-executed dynamic tool. */
const toolFields = { toolCallId: z.string(), providerExecuted: z.literal(true), dynamic: z.literal(true) };

export const UiMessageChunkSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), messageId: z.string().optional(), messageMetadata: UiMessageMetadataSchema }),
  z.object({ type: z.literal('start-step') }),
  z.object({ type: z.literal('finish-step') }),
  z.object({ type: z.literal('reset-step') }),
  z.object({ type: z.literal('text-start'), id }),
  z.object({ type: z.literal('text-delta'), id, delta: z.string() }),
  z.object({ type: z.literal('text-end'), id }),
  z.object({ type: z.literal('reasoning-start'), id }),
  z.object({ type: z.literal('reasoning-delta'), id, delta: z.string() }),
  z.object({ type: z.literal('reasoning-end'), id }),
  z.object({ type: z.literal('tool-input-available'), ...toolFields, toolName: z.string(), input: z.unknown() }),
  z.object({ type: z.literal('tool-approval-request'), approvalId: z.string(), toolCallId: z.string() }),
  z.object({ type: z.literal('tool-output-available'), ...toolFields, output: z.unknown() }),
  z.object({ type: z.literal('tool-output-error'), ...toolFields, errorText: z.string() }),
  z.object({
    type: z.literal('data-plan'),
    id,
    data: z.object({ entries: z.array(PlanEntrySchema) }),
  }),
  z.object({
    type: z.literal('data-retry'),
    transient: z.literal(true),
    data: z.object({ attempt: z.number(), maxAttempts: z.number(), delayMs: z.number(), error: z.object({ code: z.string(), message: z.string() }) }),
  }),
  z.object({ type: z.literal('error'), errorText: z.string() }),
  z.object({ type: z.literal('abort'), reason: z.string() }),
  z.object({
    type: z.literal('finish'),
    finishReason: z.enum(['stop', 'length', 'content-filter', 'error', 'interrupted', 'other']),
    messageMetadata: UiMessageMetadataSchema,
  }),
]);

export type UiMessageChunk = z.infer<typeof UiMessageChunkSchema>;
export type UiMessageMetadata = z.infer<typeof UiMessageMetadataSchema>;

/** The response headers the AI SDK's own `createUIMessageStreamResponse` sends. */
export const uiMessageStreamHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
} as const;
