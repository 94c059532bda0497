import type { RunJob } from './run-queue.ts';

/**
 * Ordering within a conversation on top of pg-boss. Under `key_strict_fifo` pg-boss dispatches a
 * key's jobs in `created_on` order and priority cannot reorder them, so the queue treats the
 * waiting jobs of a conversation as slots in a fixed order and decides which run each slot carries:
 * `front` moves the runs back one slot, `remove` moves them forward and frees the last slot.
 * These functions compute the new assignment; the queue writes only the slots that change.
 */

/** A waiting (`created`) pg-boss job of one conversation, in dispatch order. */
export type Slot = { id: string; job: RunJob };

/** A slot and the run it must carry from now on. */
export type SlotWrite = { id: string; job: RunJob };

/**
 * After a new job was inserted (somewhere among `slots`, which include it), the writes that put the
 * runs in their intended order: the others keep their relative order, the new run goes last, or
 * first when `front`.
 */
export function placeNewRun(slots: Slot[], newSlotId: string, front: boolean): SlotWrite[] {
  const newSlot = slots.find((slot) => slot.id === newSlotId);
  if (!newSlot) throw new Error(`pg-boss job ${newSlotId} is not among the conversation's waiting jobs`);
  const others = slots.filter((slot) => slot.id !== newSlotId).map((slot) => slot.job);
  const wanted = front ? [newSlot.job, ...others] : [...others, newSlot.job];
  return changed(slots, wanted);
}

/**
 * The writes that take run `runId` out: the runs behind it move forward one slot and the last slot
 * is left free (`free`), to be deleted. Undefined when no waiting slot carries the run.
 */
export function takeOutRun(slots: Slot[], runId: string): { writes: SlotWrite[]; free: string } | undefined {
  const index = slots.findIndex((slot) => slot.job.runId === runId);
  if (index === -1) return undefined;
  const wanted = slots.filter((_, position) => position !== index).map((slot) => slot.job);
  return { writes: changed(slots.slice(0, -1), wanted), free: slots.at(-1)!.id };
}

function changed(slots: Slot[], wanted: RunJob[]): SlotWrite[] {
  return slots.flatMap((slot, position) => (slot.job.runId === wanted[position]!.runId ? [] : [{ id: slot.id, job: wanted[position]! }]));
}
