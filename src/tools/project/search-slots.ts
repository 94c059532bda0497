import { ConfabError } from '../../domain/errors.ts';

/**
 * Counts concurrent searches so a burst of runs cannot start a worker thread each. A slot is held
 * until its worker thread has exited, not merely until its search answered, so the number of
 * search threads alive never exceeds the limit. A caller past the limit waits its turn (in order),
 * at most `maxWaitMs`: then it gets a `rate_limited` error saying the searches are busy. Aborting
 * while waiting leaves the line with the abort reason.
 */
export class SearchSlots {
  readonly #limit: number;
  readonly #maxWaitMs: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number, maxWaitMs = 30_000) {
    this.#limit = limit;
    this.#maxWaitMs = maxWaitMs;
  }

  async acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.#active < this.#limit) {
      this.#active++;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const leave = (error: unknown) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#waiting.splice(this.#waiting.indexOf(wake), 1);
        reject(error);
      };
      const wake = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => leave(signal.reason);
      const timer = setTimeout(
        () =>
          leave(
            new ConfabError(
              'rate_limited',
              `search_text is busy: all ${this.#limit} search slots are still in use after ${this.#maxWaitMs} ms; try again later`,
            ),
          ),
        this.#maxWaitMs,
      );
      this.#waiting.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter, so `#active` never dips and lets a newcomer cut in.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    };
  }
}
