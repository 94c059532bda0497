import type { Approval } from '../domain/approval-schemas.ts';
import type { ConfabEvent } from '../events/definitions.ts';
import { touchesOf } from '../events/touches.ts';

/**
 * Records changed since the last checkpoint, by id: what the checkpointer writes next. Approvals
 * are kept whole (the event carries the record, and the state lists pending ones only).
 */
export type DirtyRecords = { conversation: boolean; messages: Set<string>; runs: Set<string>; approvals: Map<string, Approval> };

/**
 * Marks the record `event` declares it touches (touches.ts) as changed; false when it touches no
 * stored record. A `snapshot` is never emitted into a log, so it has nothing to mark.
 */
export function markTouched(dirty: DirtyRecords, event: ConfabEvent): boolean {
  const touches = touchesOf(event.type);
  switch (touches.record) {
    case 'conversation':
      dirty.conversation = true;
      return true;
    case 'message':
      dirty.messages.add(touches.id(event.data));
      return true;
    case 'run':
      dirty.runs.add(touches.id(event.data));
      return true;
    case 'approval':
      // Written by whoever requests or settles them (approvals/record-approvals.ts); marked here when
      // that write has not happened yet: journaled first, or folded back after a crash.
      dirty.approvals.set(touches.id(event.data), (event.data as { approval: Approval }).approval);
      return true;
    case 'state':
    case 'none':
      return false;
  }
}
