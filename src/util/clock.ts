/**
 * Time, injected. Everything in the engine that waits or reads the time goes through a Clock,
 * so tests can run retry back-offs and checkpoint intervals without sleeping.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type TimerHandle = { readonly __timer: unique symbol } | object;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on the given clock; rejects with the signal's reason if aborted first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal!.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A clock for tests whose timers fire as soon as the event loop is free, advancing `now()` by the
 * delay they asked for. Records every delay so a test can assert the back-off schedule exactly.
 */
export class InstantClock implements Clock {
  current: number;
  readonly delays: number[] = [];
  #pending = new Set<object>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    this.delays.push(ms);
    const handle = {};
    this.#pending.add(handle);
    setImmediate(() => {
      if (!this.#pending.delete(handle)) return;
      this.current += ms;
      callback();
    });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle as object);
  }
}
