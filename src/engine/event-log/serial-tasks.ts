/**
 * Runs async tasks one at a time, in the order they were added, with a bound on how many may wait.
 * A failing task is reported and does not stop the ones after it.
 */
export class SerialTasks {
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;
  readonly #limit: number;
  readonly #onError: (error: unknown) => void;

  constructor(options: { limit: number; onError: (error: unknown) => void }) {
    if (!(options.limit >= 1)) throw new RangeError('a task queue holds at least one task');
    this.#limit = options.limit;
    this.#onError = options.onError;
  }

  /** Tasks added and not yet finished. */
  get waiting(): number {
    return this.#waiting;
  }

  get full(): boolean {
    return this.#waiting >= this.#limit;
  }

  /** Adds a task (even past the limit: callers that can drop work check `full` first). */
  add<T>(task: () => T | Promise<T>): Promise<T> {
    this.#waiting++;
    const run = this.#tail.then(task).finally(() => this.#waiting--);
    this.#tail = run.then(
      () => {},
      (error: unknown) => this.#onError(error),
    );
    return run;
  }
}
