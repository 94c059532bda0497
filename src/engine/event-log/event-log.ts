import type { ConfabEvent, EventType, EventData } from '../../events/definitions.ts';

/**
 * The live event log seam: one ordered log per conversation, assigning `seq` and `cursor`.
 * It holds a bounded window of recent events for replay; older events are gone and a cursor
 * pointing before the window gets a snapshot instead (the hub decides that, from `readAfter`).
 *
 * Contract:
 * - `append` assigns `seq = lastSeq + 1` and the cursor `<epoch>.<seq>`; seqs never repeat within an
 *   epoch and continue from the `lastSeq` the log was opened with.
 * - `readAfter(seq)` returns exactly the events with a greater seq, in order, when every one of them is
 *   still held; `undefined` when some are not (the caller must then send a snapshot).
 * - Each `open` starts a new epoch: cursors from another epoch are never replayed.
 * The in-process implementation is `memory-event-log.ts`; a Redis one (streams + pub/sub) plugs in
 * here for scale-out.
 */
export interface EventLog {
  open(conversationId: string, options: { lastSeq: number }): ConversationLog;
}

export interface ConversationLog {
  readonly conversationId: string;
  readonly epoch: string;
  readonly lastSeq: number;
  append<T extends EventType>(draft: EventDraft<T>): ConfabEvent;
  readAfter(seq: number): ConfabEvent[] | undefined;
  close(): void;
}

export type EventDraft<T extends EventType = EventType> = {
  type: T;
  runId: string | null;
  data: EventData<T>;
};
