/**
 * Record shapes that travel on the wire but that the server only produces, never accepts: defined
 * once here as zod schemas (the OpenAPI document is generated from them), browser-safe, shared by
 * the engine, the providers, the server and the client SDK.
 */
import { z } from 'zod';
import { ConversationSchema } from './schemas.ts';

/** US dollars per million tokens. */
export const PricingSchema = z.object({ inputPerMillion: z.number(), outputPerMillion: z.number(), cachedInputPerMillion: z.number().optional() });

/**
 * A configured model as `GET /v1/models` lists it. `steer`: a coding agent whose running turn can
 * take a message sent with `onBusy: "steer"` (absent: it cannot).
 */
export const ModelInfoSchema = z.object({ id: z.string(), provider: z.string(), pricing: PricingSchema.nullable(), steer: z.boolean().optional() });

/** A conversation as listed: the record plus its message count. */
export const ConversationSummarySchema = ConversationSchema.extend({ messageCount: z.number().int().min(0) });

/** A conversation held live by the hub, as `GET /v1/sessions` lists it. */
export const SessionInfoSchema = z.object({
  conversationId: z.string(),
  projectName: z.string(),
  title: z.string(),
  /** `requires-action`: a run waits for an approval. */
  status: z.enum(['running', 'requires-action', 'queued', 'idle']),
  subscribers: z.number().int().min(0),
  activeRunId: z.string().nullable(),
  queuedRunIds: z.array(z.string()),
  cursor: z.string(),
});

/** A message found by full-text search (`GET /v1/search`). */
export const MessageSearchHitSchema = z.object({
  conversationId: z.string(),
  conversationTitle: z.string(),
  projectName: z.string(),
  messageId: z.string(),
  role: z.enum(['user', 'assistant']),
  createdAt: z.number(),
  /** Up to 160 characters of the message's text around its first match, on one line (`…` where cut). */
  snippet: z.string(),
  /** `[start, end)` ranges of `snippet` that matched a term. */
  highlights: z.array(z.tuple([z.number().int(), z.number().int()])),
});

export type Pricing = z.infer<typeof PricingSchema>;
export type MessageSearchHit = z.infer<typeof MessageSearchHitSchema>;
export type ModelInfo = z.infer<typeof ModelInfoSchema>;
export type ConversationSummary = z.infer<typeof ConversationSummarySchema>;
export type SessionInfo = z.infer<typeof SessionInfoSchema>;
