import type { ApproveInput } from '../domain/approval-schemas.ts';
import type { MessageRefInput, SendInput } from '../domain/requests.ts';
import type { ConfabEvent } from '../events/definitions.ts';
import type { ApproveResult, ContinueResult, RegenerateResult, SelectBranchResult, SendResult, StopResult } from './api-types.ts';
import type { ConfabClientError } from './client-error.ts';

export type TransportKind = 'websocket' | 'sse';

/**
 * One live connection to a server, carrying events of many conversations and the commands on them.
 *
 * Contract:
 * - `start()` opens it and resolves once it is usable; it rejects (code `network`, `timeout`, or
 *   the server's code) when it cannot be opened. A transport is started at most once.
 * - `subscribe(conversationId, after)` asks for a conversation's events after the cursor `after`
 *   (null: start with a snapshot). It resolves when the server accepted; events then arrive through
 *   `onevent`, in `seq` order per conversation. `unsubscribe` stops them.
 * - `send`, `stop`, `continue`, `regenerate`, `selectBranch`, `approve` run a command and resolve with the server's answer, or reject with a
 *   ConfabClientError (`network` when the connection dropped before the answer came).
 * - `onclose` is called exactly once after a successful `start()`: with an error when the
 *   connection was lost, with null when `close()` ended it. Nothing is delivered after it.
 * - `onerror` reports problems that do not end the connection (a malformed frame, an error frame
 *   that answers no request).
 * A transport never reconnects by itself: the client's connection manager owns reconnecting.
 */
export interface Transport {
  readonly kind: TransportKind;
  start(): Promise<void>;
  subscribe(conversationId: string, after: string | null): Promise<void>;
  unsubscribe(conversationId: string): Promise<void>;
  send(conversationId: string, input: SendInput): Promise<SendResult>;
  stop(conversationId: string, runId: string | undefined): Promise<StopResult>;
  continue(conversationId: string): Promise<ContinueResult>;
  regenerate(conversationId: string, input: MessageRefInput): Promise<RegenerateResult>;
  selectBranch(conversationId: string, input: MessageRefInput): Promise<SelectBranchResult>;
  approve(conversationId: string, approvalId: string, input: ApproveInput): Promise<ApproveResult>;
  close(): Promise<void>;
  onevent?: (event: ConfabEvent) => void;
  onerror?: (error: ConfabClientError) => void;
  onclose?: (error: ConfabClientError | null) => void;
}
