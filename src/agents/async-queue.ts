/**
 * Items waiting for one consumer that iterates them: the bridge from callbacks (an agent's
 * notifications, the user messages of a streaming-input session) to an `AsyncIterable`. `merge`
 * may join an item into the last one waiting, so what the queue holds can grow with the content
 * rather than with the number of pushes. After `end` nothing more is taken; `fail` makes the
 * iteration throw once what was queued before it has been taken.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #merge: ((last: T, next: T) => T | undefined) | undefined;
  #ended = false;
  #error: unknown;
  #wake: (() => void) | undefined;

  constructor(options: { merge?: (last: T, next: T) => T | undefined } = {}) {
    this.#merge = options.merge;
  }

  push(...items: T[]): void {
    if (this.#ended) return;
    for (const item of items) {
      const last = this.#items.at(-1);
      const merged = last === undefined ? undefined : this.#merge?.(last, item);
      if (merged === undefined) this.#items.push(item);
      else this.#items[this.#items.length - 1] = merged;
    }
    this.#notify();
  }

  end(...items: T[]): void {
    this.push(...items);
    this.#ended = true;
    this.#notify();
  }

  fail(error: unknown): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    this.#notify();
  }

  get ended(): boolean {
    return this.#ended;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      if (this.#items.length > 0) {
        yield this.#items.shift()!;
        continue;
      }
      if (this.#ended) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
