/**
 * A clock for tests whose timers fire only when the test moves time on with `advance`, in the order
 * they fall due, each seeing `now()` at its due time. Nothing fires by itself.
 */
import type { Clock, TimerHandle } from '../../src/util/clock.ts';

export class ManualClock implements Clock {
  current: number;
  readonly #timers = new Map<object, { at: number; callback: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = {};
    this.#timers.set(handle, { at: this.current + Math.max(0, ms), callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as object);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time on by `ms`, firing every timer that falls due meanwhile (including ones set while firing). */
  advance(ms: number): void {
    const target = this.current + ms;
    while (true) {
      let next: [object, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.current = Math.max(this.current, next[1].at);
      next[1].callback();
    }
    this.current = target;
  }
}
