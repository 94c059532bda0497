import type { StreamPart } from '../providers/stream-part.ts';
import { AsyncQueue } from './async-queue.ts';

/**
 * Parts an agent reported, waiting for the run loop to take them: the bridge from an agent's
 * callbacks (notifications arrive whenever the agent sends them) to the `AsyncIterable` a turn
 * returns. Consecutive deltas of one text or reasoning stream are joined while they wait, so what
 * the queue holds grows with the agent's output, not with its number of messages.
 */
export class PartQueue extends AsyncQueue<StreamPart> {
  constructor() {
    super({ merge: joinDeltas });
  }
}

function joinDeltas(last: StreamPart, next: StreamPart): StreamPart | undefined {
  if ((last.type === 'text-delta' || last.type === 'reasoning-delta') && next.type === last.type && next.id === last.id) return { ...last, delta: last.delta + next.delta };
  return undefined;
}
