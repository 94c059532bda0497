import type { StoreBatch } from '../../store/store.ts';
import type { EventDraft } from '../event-log/event-log.ts';

/** The conversation as recording approvals needs it (a `LiveConversation` or a run's `RunWriter`). */
export type ApprovalWriter = {
  /** Its log stores events before anyone sees them (the journal). */
  readonly durable: boolean;
  emit(draft: EventDraft, options?: { persisted?: boolean }): void;
  flush(): Promise<void>;
};

/**
 * Makes approvals requested or settled durable and announces them (`drafts`: `approval-requested`,
 * `approval-resolved`, `run-requires-action`), in the order a crash can recover from. The record
 * is what an answer, the expiry timer and a resuming run read; the events are what watchers see.
 *
 * - On a durable log (the journal) the events go first: they are stored before anyone sees them,
 *   and a crash before `records` are written leaves the journal ahead of the records, which
 *   start-up recovery folds (the approval events mark their records for the next checkpoint).
 *   Written first instead, a crash before the events were journaled would leave the records a
 *   step ahead of the log in the same epoch: a watcher resuming from its cursor would never be
 *   replayed the request or the answer.
 * - On a log that is not durable (memory, Redis) the records go first and the events follow,
 *   marked as persisted: a client that sees the approval can rely on the store having it.
 *
 * Rejects when the store refuses the records (on the journal the events are out by then; the
 * records stay marked and are written at the next checkpoint or by recovery).
 */
export async function recordApprovals(writer: ApprovalWriter, persistence: { commitNow(batch: StoreBatch): Promise<void> }, records: StoreBatch, drafts: EventDraft[]): Promise<void> {
  if (writer.durable) {
    for (const draft of drafts) writer.emit(draft);
    await writer.flush();
    await persistence.commitNow(records);
    return;
  }
  await persistence.commitNow(records);
  for (const draft of drafts) writer.emit(draft, { persisted: true });
}
