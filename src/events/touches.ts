/**
 * Which record an event changes, declared once on its definition (`touches` in definitions.ts).
 * Three consumers derive from it: the engine's dirty tracking (what the checkpointer writes),
 * the shared reducer's record lookup, and the client's copy-on-write (what gets a new identity).
 * Browser-safe.
 */
import { eventDefinitions, type ConfabEvent, type EventType } from './definitions.ts';

/**
 * - `state`: replaces the whole state (a `snapshot`; never in the log).
 * - `conversation`: the conversation record.
 * - `message`: the message with id `id(data)` (created if the event brings it); `part(data)` names
 *   the part inside it that is added, changed or removed, when the event is about one part.
 * - `run`: the run with id `id(data)` (inserted or replaced).
 * - `approval`: the approval with id `id(data)` (the whole record travels with the event; the
 *   state keeps only pending approvals). Stored and announced in the order
 *   engine/approvals/record-approvals.ts gives.
 * - `none`: no stored record (a retry wait, a deletion).
 */
export type Touches<D> =
  | { record: 'none' }
  | { record: 'state' }
  | { record: 'conversation' }
  | { record: 'message'; id: (data: D) => string; part?: (data: D) => string }
  | { record: 'run'; id: (data: D) => string }
  | { record: 'approval'; id: (data: D) => string };

export type TouchedRecord =
  | { record: 'none' | 'state' | 'conversation' }
  | { record: 'message'; id: string; partId: string | undefined }
  | { record: 'run' | 'approval'; id: string };

export type RecordKind = TouchedRecord['record'];

/** The event types whose declaration names record kind `R`. */
export type EventTypeTouching<R extends RecordKind> = Extract<(typeof eventDefinitions)[number], { touches: { record: R } }>['type'];

const byType = new Map<EventType, Touches<never>>(eventDefinitions.map((definition) => [definition.type, definition.touches]));

/** The declaration itself, for hot paths that read one id and want no allocation. */
export function touchesOf(type: EventType): Touches<unknown> {
  return byType.get(type) as Touches<unknown>;
}

/** The record `event` changes, with its ids read from the event's data. */
export function touchedBy(event: ConfabEvent): TouchedRecord {
  const touches = touchesOf(event.type);
  switch (touches.record) {
    case 'message':
      return { record: 'message', id: touches.id(event.data), partId: touches.part?.(event.data) };
    case 'run':
    case 'approval':
      return { record: touches.record, id: touches.id(event.data) };
    default:
      return touches;
  }
}
