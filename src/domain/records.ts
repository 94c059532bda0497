/**
 * Record shapes that travel on the wire but need no runtime schema (the server produces them, never
 * accepts them): defined once here, browser-safe, shared by the engine, the providers, the server
 * and the client SDK.
 */
import type { Conversation } from './schemas.ts';

/** US dollars per million tokens. */
export type Pricing = { inputPerMillion: number; outputPerMillion: number; cachedInputPerMillion?: number };

/** A configured model as `GET /v1/models` lists it. */
export type ModelInfo = { id: string; provider: string; pricing: Pricing | null };

/** A conversation as listed: the record plus its message count. */
export type ConversationSummary = Conversation & { messageCount: number };

/** A conversation held live by the hub, as `GET /v1/sessions` lists it. */
export type SessionInfo = {
  conversationId: string;
  projectName: string;
  title: string;
  /** `requires-action`: a run waits for an approval. */
  status: 'running' | 'requires-action' | 'queued' | 'idle';
  subscribers: number;
  activeRunId: string | null;
  queuedRunIds: string[];
  cursor: string;
};
