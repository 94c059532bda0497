/**
 * Shapes of the REST answers (docs/protocol.md). Records come from the browser-safe domain
 * (`schemas.ts`, `records.ts`), shared with the server; only the envelopes are defined here.
 */
import type { ConversationSummary, MessageSearchHit, ModelInfo, Pricing, SessionInfo } from '../domain/records.ts';
import type { Approval } from '../domain/approval-schemas.ts';
import type { Conversation, ConversationState, Message, Project, Run } from '../domain/schemas.ts';

export type { ConversationSummary, MessageSearchHit, ModelInfo, SessionInfo };
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

/** `GET /v1/limits`: what the server refuses in a request, so a client can check before it creates anything. */
export type RequestLimits = {
  /** Characters in one message's text (`content.length`). */
  maxMessageChars: number;
  /** Context attachments on one message. */
  maxContextParts: number;
  /** Bytes of context attached to one message. */
  maxContextBytes: number;
  /** Characters in a conversation's system prompt. */
  maxSystemPromptChars: number;
  /** Runs waiting per conversation. */
  maxQueuedRuns: number;
};

export type SendResult = { message: Message; run: Run };
export type StopResult = { run: Run | null };
export type ContinueResult = { run: Run };
/** `regenerate`: the queued run that writes the new reply. */
export type RegenerateResult = { run: Run };
/** `selectBranch`: the conversation with its new `activeMessageId`. */
export type SelectBranchResult = { conversation: Conversation };
/** The approval as settled by the answer. */
export type ApproveResult = { approval: Approval };

export type { Project };
