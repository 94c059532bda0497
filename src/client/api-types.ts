/**
 * Shapes of the REST answers (docs/protocol.md). Records come from the browser-safe domain
 * (`schemas.ts`, `records.ts`), shared with the server; only the envelopes are defined here.
 */
import type { ConversationSummary, ModelInfo, Pricing, SessionInfo } from '../domain/records.ts';
import type { ConversationState, Message, Project, Run } from '../domain/schemas.ts';

export type { ConversationSummary, ModelInfo, SessionInfo };
/** The price of a model (the same record the server's pricing table uses). */
export type ModelPricing = Pricing;

export type Health = { status: 'ok'; version: string };

export type ConversationPage = {
  conversations: ConversationSummary[];
  /** Pass as `before` to get the next page; null on the last page. */
  nextBefore: number | null;
};

/** A conversation's full state and the cursor it is current as of. */
export type ConversationDetail = ConversationState & { cursor: string };

export type ModelList = { models: ModelInfo[]; defaultModel: string | null };

export type SendResult = { message: Message; run: Run };
export type StopResult = { run: Run | null };
export type ContinueResult = { run: Run };

export type { Project };
