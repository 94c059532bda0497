import type { Approval, ApprovalStatus } from '../domain/approval-schemas.ts';
import type { ConversationSummary, MessageSearchHit } from '../domain/records.ts';
import type { Conversation, Message, Project, Run } from '../domain/schemas.ts';

/**
 * Durable state: projects, conversations, messages, runs and approvals. The event log is not stored here
 * (see engine/event-log.ts); the store holds the state the events produce, written in batches.
 *
 * Contract (tested by store-contract.ts over every implementation):
 * - Records are JSON data: `undefined` fields are dropped, tool inputs and outputs are JSON values.
 * - Every method is async; implementations may be synchronous underneath (SQLite) or remote (Postgres).
 * - Records go in and come out as plain objects equal to what was written (deep copies: mutating a
 *   returned object never changes the store, nor does mutating an object after writing it).
 * - `commit` applies a whole batch atomically: all of it or none of it. It takes what it writes from
 *   the batch when called, before it returns its promise: the caller may change the records at once
 *   (the checkpointer hands over live state without copying it first).
 * - Deleting a conversation deletes its messages, runs and approvals; deleting a project deletes its conversations.
 * - Messages of a conversation come back in the order they were first written (`createdAt`, then
 *   insertion order for ties); upserting a message again keeps its position. Approvals likewise by
 *   `requestedAt`.
 */
export interface Store {
  /** Creates or migrates the schema. Idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;

  createProject(project: Project): Promise<void>;
  getProject(name: string): Promise<Project | undefined>;
  listProjects(): Promise<Project[]>;
  /** Returns false when there was no such project. */
  deleteProject(name: string): Promise<boolean>;

  getConversation(id: string): Promise<Conversation | undefined>;
  /** Newest `updatedAt` first; `before` is an `updatedAt` (exclusive) for the next page. */
  listConversations(query: ConversationQuery): Promise<ConversationSummary[]>;
  /** Returns false when there was no such conversation. */
  deleteConversation(id: string): Promise<boolean>;

  listMessages(conversationId: string): Promise<Message[]>;
  /**
   * Messages whose text parts have, for every term, a word starting with it (`search-text.ts`:
   * terms and text lower-case; a message is found once it stopped streaming), newest first
   * (`createdAt`, then last written), across conversations or in one project.
   */
  searchMessages(query: MessageSearchQuery): Promise<MessageSearchHit[]>;
  getRun(id: string): Promise<Run | undefined>;
  /** Runs of a conversation in creation order; `statuses` filters. */
  listRuns(conversationId: string, statuses?: Run['status'][]): Promise<Run[]>;
  findRunByClientRequestId(conversationId: string, clientRequestId: string): Promise<Run | undefined>;
  /** Runs in the given statuses across all conversations (start-up recovery). */
  listRunsByStatus(statuses: Run['status'][]): Promise<Run[]>;

  getApproval(id: string): Promise<Approval | undefined>;
  /** Approvals of a conversation in request order; `statuses` filters. */
  listApprovals(conversationId: string, statuses?: ApprovalStatus[]): Promise<Approval[]>;
  /** Approvals in the given statuses across all conversations (start-up: pending ones get their expiry back). */
  listApprovalsByStatus(statuses: ApprovalStatus[]): Promise<Approval[]>;

  /** The event sequence number last checkpointed for a conversation (0 when none). */
  getLastSeq(conversationId: string): Promise<number>;

  /** Upserts everything in the batch in one transaction. */
  commit(batch: StoreBatch): Promise<void>;
}

export type StoreBatch = {
  conversations?: Conversation[];
  messages?: Message[];
  runs?: Run[];
  approvals?: Approval[];
  /** Highest event seq reflected by this batch, per conversation. */
  lastSeq?: Record<string, number>;
};

export type ConversationQuery = {
  projectName?: string;
  limit: number;
  before?: number;
};

export type MessageSearchQuery = {
  /** Lower-case words (`searchTerms`), 1 to `maxSearchTerms`. */
  terms: string[];
  projectName?: string;
  limit: number;
};

export type { ConversationSummary, MessageSearchHit };
