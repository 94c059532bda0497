/**
 * The watch's reconciliation, pure: dedupe by `seq`, snapshot reset, and the shared reducer
 * (`applyEvent`) applied copy-on-write so every accepted event yields a new state object while
 * untouched messages, parts and runs keep their identity (cheap re-renders, `useSyncExternalStore`).
 */
import type { ConversationState, Message, RetryState, Run } from '../domain/schemas.ts';
import { applyEvent } from '../events/apply-event.ts';
import { parseCursor } from '../events/cursor.ts';
import type { ConfabEvent } from '../events/definitions.ts';

export type WatchStatus = 'idle' | 'running' | 'queued';

/** The latest `run-retrying`, while its run waits for the next attempt (kept in the state by the shared reducer, so snapshots carry it). */
export type { RetryState };

export type QueuedRun = { run: Run; input: Message | null };

/** What the watch knows: the conversation's state and where in its log that state stands. */
export type ReconciledState = {
  state: ConversationState;
  /** `seq` of the last event folded into `state`. */
  lastSeq: number;
  /** Cursor to resume after `lastSeq`; null when none is known (then a resume starts with a snapshot). */
  cursor: string | null;
  retry: RetryState | null;
};

/** The starting point from `GET /v1/conversations/:id`. */
export function fromDetail(state: ConversationState, cursor: string): ReconciledState {
  const parsed = parseCursor(cursor);
  // An unreadable cursor cannot be deduplicated against: resume from nothing and take the snapshot.
  if (!parsed) return { state, lastSeq: -1, cursor: null, retry: state.retry ?? null };
  return { state, lastSeq: parsed.seq, cursor, retry: state.retry ?? null };
}

/** Folds one event in; undefined when the event was already seen (`seq <= lastSeq`) and is dropped. */
export function reconcile(current: ReconciledState, event: ConfabEvent): ReconciledState | undefined {
  if (event.type === 'snapshot') {
    const state = event.data.state;
    return { state, lastSeq: event.seq, cursor: event.cursor, retry: state.retry ?? null };
  }
  if (event.seq <= current.lastSeq) return undefined;
  const state = applyEvent(copyForEvent(current.state, event), event);
  return { state, lastSeq: event.seq, cursor: event.cursor, retry: state.retry ?? null };
}

export function statusOf(state: ConversationState): WatchStatus {
  if (state.runs.some((run) => run.status === 'running')) return 'running';
  if (state.runs.some((run) => run.status === 'queued')) return 'queued';
  return 'idle';
}

export function activeRunOf(state: ConversationState): Run | null {
  return state.runs.find((run) => run.status === 'running') ?? null;
}

export function queueOf(state: ConversationState): QueuedRun[] {
  return state.runs.filter((run) => run.status === 'queued').map((run) => ({ run, input: run.input }));
}

/**
 * A shallow copy of the state with fresh containers for everything `applyEvent` will mutate for
 * this event: the top-level arrays, the message it writes to, and the part a delta appends to.
 */
function copyForEvent(state: ConversationState, event: ConfabEvent): ConversationState {
  const copy: ConversationState = { conversation: state.conversation, messages: state.messages, runs: state.runs, retry: state.retry };
  switch (event.type) {
    case 'conversation-updated':
    case 'conversation-deleted':
    case 'run-retrying':
    case 'snapshot':
      return copy;
    case 'message-created':
      copy.messages = [...state.messages];
      return copy;
    case 'run-queued':
    case 'run-started':
    case 'run-completed':
    case 'run-stopped':
    case 'run-failed':
    case 'run-interrupted':
      copy.runs = [...state.runs];
      return copy;
    default: {
      const { messageId } = event.data;
      const index = state.messages.findLastIndex((message) => message.id === messageId);
      if (index === -1) return copy;
      const message = { ...state.messages[index], parts: [...state.messages[index].parts] };
      if (event.type === 'part-delta' || event.type === 'part-end') {
        const partIndex = message.parts.findLastIndex((part) => part.id === event.data.partId);
        if (partIndex !== -1) message.parts[partIndex] = { ...message.parts[partIndex] };
      }
      copy.messages = [...state.messages];
      copy.messages[index] = message;
      return copy;
    }
  }
}
