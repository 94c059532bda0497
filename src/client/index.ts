/**
 * The browser-safe client SDK, published as `confab-client` (and `confab-server/client`). See docs/client-sdk.md.
 */
export { createClient, ConfabClient, type ClientOptions } from './confab-client.ts';
export { ConversationWatch, type WatchState, type SendOptions } from './conversation-watch.ts';
export { CatalogWatch, watchStatusOf, type CatalogWatchStatus } from './catalog-watch.ts';
export { parseCatalogEvent, catalogEventDefinitions, type CatalogEvent, type CatalogEventOf, type CatalogEventType, type SessionStatus } from '../events/catalog-definitions.ts';
export type { ConnectionState, ConnectionStatus, TransportMode } from './connection.ts';
export type { RetryState, QueuedRun, WatchStatus } from './watch-reducer.ts';
export { retryCount } from './retry-count.ts';
export { answeringRunId, runAnswered } from './run-answered.ts';
export { ConfabClientError, type ClientErrorCode } from './client-error.ts';
export { defaultReconnectOptions, reconnectDelay, type ReconnectOptions } from './backoff.ts';
export type { Scheduler } from './scheduler.ts';
export type { Transport, TransportKind } from './transport.ts';
export type { WebSocketConstructor, WebSocketLike } from './websocket-transport.ts';
export type { FetchLike } from './http.ts';
export type { ConversationListQuery } from './rest-api.ts';
export type { WorkerInfo } from './workers-api.ts';
export type * from './api-types.ts';
export { SseParser, type SseMessage } from './sse-parser.ts';
export { messageText } from '../events/apply-event.ts';
export { activeBranch, branchTree, pathTo, siblingsOf, type BranchTree } from '../domain/branches.ts';
export { conversationMarkdown, type ConversationExport } from '../domain/conversation-export.ts';
export { parseEvent, eventDefinitions, eventTypes, type ConfabEvent, type ConfabEventOf, type EventType, type EventData } from '../events/definitions.ts';
export type { ConversationPatch, MessageRefInput, NewConversation, SendInput } from '../domain/requests.ts';
export type { Approval, ApprovalDecision, ApprovalResolver, ApprovalStatus, ApproveInput, ToolRule } from '../domain/approval-schemas.ts';
export type {
  BusyPolicy,
  ContextInput,
  Conversation,
  ConversationState,
  Cost,
  Message,
  MessageStatus,
  Part,
  Project,
  Run,
  RunStatus,
  ToolCallPart,
  PlanPart,
  PlanEntry,
  ToolCallStatus,
  ToolState,
  Usage,
  WireError,
} from '../domain/schemas.ts';
