/**
 * The watch's reconciliation, pure: dedupe by `seq`, snapshot reset, and the shared reducer
 * (`applyEvent`) applied copy-on-write so every accepted event yields a new state object while
 * untouched messages, parts and runs keep their identity (cheap re-renders, `useSyncExternalStore`).
 */
import type { ConversationState, Message, RetryState, Run } from '../domain/schemas.ts';
import { applyEvent } from '../events/apply-event.ts';
import { parseCursor } from '../events/cursor.ts';
import type { ConfabEvent } from '../events/definitions.ts';
import { touchedBy } from '../events/touches.ts';

/** `requires-action`: a run waits for an approval (see `WatchState.approvals`). */
export type WatchStatus = 'idle' | 'running' | 'requires-action' | 'queued';

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
  if (state.runs.some((run) => run.status === 'requires-action')) return 'requires-action';
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
 * A shallow copy of the state with fresh copies of what the event declares it touches (touches.ts),
 * which is all `applyEvent` may change in place: the conversation; or the messages array, the
 * message and its parts array, and the named part; or the runs array and the run.
 */
function copyForEvent(state: ConversationState, event: ConfabEvent): ConversationState {
  const copy: ConversationState = { conversation: state.conversation, messages: state.messages, runs: state.runs, retry: state.retry };
  if (state.approvals) copy.approvals = state.approvals;
  const touched = touchedBy(event);
  switch (touched.record) {
    case 'conversation':
      copy.conversation = { ...state.conversation };
      break;
    case 'message': {
      copy.messages = [...state.messages];
      const index = copy.messages.findLastIndex((message) => message.id === touched.id);
      if (index === -1) break;
      const message = { ...copy.messages[index], parts: [...copy.messages[index].parts] };
      copy.messages[index] = message;
      const partIndex = touched.partId === undefined ? -1 : message.parts.findLastIndex((part) => part.id === touched.partId);
      if (partIndex !== -1) message.parts[partIndex] = { ...message.parts[partIndex] };
      break;
    }
    case 'run': {
      copy.runs = [...state.runs];
      const index = copy.runs.findIndex((run) => run.id === touched.id);
      if (index !== -1) copy.runs[index] = { ...copy.runs[index] };
      break;
    }
    case 'approval':
      // The reducer replaces the approvals array rather than writing into it.
      break;
    case 'state':
    case 'none':
      break;
  }
  return copy;
}
