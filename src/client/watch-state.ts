import type { Approval } from '../domain/approval-schemas.ts';
import type { ConversationState, Run } from '../domain/schemas.ts';
import type { ConfabClientError } from './client-error.ts';
import type { QueuedRun, RetryState, WatchStatus } from './watch-reducer.ts';

/** Everything a watch shows, as one immutable object: a new one after every change. */
export type WatchState = {
  /** False until the first state arrived (from the initial load or a snapshot). */
  readonly loaded: boolean;
  /** The conversation, its messages (including the one streaming now) and its runs. */
  readonly state: ConversationState | null;
  readonly status: WatchStatus;
  readonly activeRun: Run | null;
  /** The latest retry of the active run while it waits for its next attempt. */
  readonly retry: RetryState | null;
  /** Runs waiting behind the active one, with the user message each will add. */
  readonly queue: readonly QueuedRun[];
  /** Approvals waiting for an answer (the run they block has status `requires-action`); answer with `approve`. */
  readonly approvals: readonly Approval[];
  /** `seq` of the last event applied (-1 before any). */
  readonly lastSeq: number;
  readonly cursor: string | null;
  /** Subscribed on an open connection: changes arrive as they happen. False while (re)connecting. */
  readonly live: boolean;
  /** The conversation was deleted; the watch receives nothing more. */
  readonly deleted: boolean;
  /** Why the watch could not load or subscribe (not found, unauthorized, …). */
  readonly error: ConfabClientError | null;
};

export const initialState: WatchState = {
  loaded: false,
  state: null,
  status: 'idle',
  activeRun: null,
  retry: null,
  queue: [],
  approvals: [],
  lastSeq: -1,
  cursor: null,
  live: false,
  deleted: false,
  error: null,
};
