/**
 * What the extension host and a chat panel's page say to each other (`postMessage`). The page holds
 * no token and opens no connection: the host owns the one Confab connection and sends the page what
 * to show; the page sends back what the user did.
 */
import type { Approval, ApprovalDecision, ContextInput, Conversation, Message, RetryState, Run, WatchStatus } from '../../../../src/client/index.ts';

/** The connection as a panel shows it. `signed-out`: no token for the server; nothing connects. */
export type PanelConnection = {
  status: 'signed-out' | 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';
  attempt: number;
  nextDelayMs: number | null;
  /** Safe to show. */
  error: string | null;
};

/** A message the user sent that the server has not acknowledged yet (see `outbox.ts`). */
export type OutboxView = { clientRequestId: string; content: string; context: ContextInput[]; state: 'sending' | 'waiting' | 'failed'; error: string | null };

export type PanelView = {
  conversationId: string;
  loaded: boolean;
  conversation: Conversation | null;
  /**
   * Every message in order. A string is the id of a message the page already has, unchanged since
   * the last view it was sent (the host tracks what it sent; a page that reloads gets everything).
   */
  messages: (Message | string)[];
  runs: Run[];
  status: WatchStatus;
  retry: RetryState | null;
  queue: { runId: string; text: string; context: ContextInput[] }[];
  approvals: Approval[];
  outbox: OutboxView[];
  /** Attached with the next message (Add Code Context), removable in the panel. */
  pendingContext: ContextInput[];
  connection: PanelConnection;
  deleted: boolean;
  /** Why the conversation could not be loaded (not found, unauthorized), safe to show. */
  error: { code: string; message: string } | null;
  /** A notice from the last command (a refused send, a failed stop), safe to show. */
  notice: string | null;
};

export type HostToPanel = { type: 'view'; view: PanelView } | { type: 'focus-composer' };

export type PanelToHost =
  | { type: 'ready' }
  | { type: 'send'; content: string }
  | { type: 'stop'; runId?: string }
  | { type: 'continue' }
  | { type: 'approve'; approvalId: string; decision: ApprovalDecision; note?: string }
  | { type: 'copy'; text: string }
  | { type: 'insert'; text: string }
  | { type: 'remove-context'; index: number }
  | { type: 'retry-outbox'; clientRequestId: string }
  | { type: 'discard-outbox'; clientRequestId: string }
  | { type: 'sign-in' }
  | { type: 'dismiss-notice' };

/** What the page keeps across a window reload (`vscode.setState`), read back by the panel serializer. */
export type PanelPersistedState = { conversationId: string; draft?: string };

const panelMessageTypes = new Set<PanelToHost['type']>([
  'ready', 'send', 'stop', 'continue', 'approve', 'copy', 'insert', 'remove-context', 'retry-outbox', 'discard-outbox', 'sign-in', 'dismiss-notice',
]);

/** The page is less trusted than the host (it renders model output): check what it sends. */
export function parsePanelMessage(value: unknown): PanelToHost | null {
  if (value === null || typeof value !== 'object') return null;
  const message = value as Record<string, unknown>;
  if (typeof message.type !== 'string' || !panelMessageTypes.has(message.type as PanelToHost['type'])) return null;
  const text = (key: string) => typeof message[key] === 'string';
  switch (message.type) {
    case 'send':
      return text('content') ? (message as PanelToHost) : null;
    case 'copy':
    case 'insert':
      return text('text') ? (message as PanelToHost) : null;
    case 'approve':
      return text('approvalId') && text('decision') && (message.note === undefined || text('note')) ? (message as PanelToHost) : null;
    case 'remove-context':
      return Number.isInteger(message.index) ? (message as PanelToHost) : null;
    case 'retry-outbox':
    case 'discard-outbox':
      return text('clientRequestId') ? (message as PanelToHost) : null;
    case 'stop':
      return message.runId === undefined || text('runId') ? (message as PanelToHost) : null;
    default:
      return message as PanelToHost;
  }
}

export function isPersistedState(value: unknown): value is PanelPersistedState {
  return value !== null && typeof value === 'object' && typeof (value as PanelPersistedState).conversationId === 'string';
}
