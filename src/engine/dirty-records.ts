import type { ConfabEvent } from '../events/definitions.ts';
import { touchesOf } from '../events/touches.ts';

/** Records changed since the last checkpoint, by id: what the checkpointer writes next. */
export type DirtyRecords = { conversation: boolean; messages: Set<string>; runs: Set<string> };

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
      // Approvals are written by whoever settles them, before the event (never checkpointed from state).
    case 'state':
    case 'none':
      return false;
  }
}
