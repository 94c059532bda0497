/**
 * Calls every listener with `value`. A listener that throws does not stop the others; its error is
 * rethrown from a microtask so it surfaces as an uncaught error (like an EventTarget listener's).
 */
export function notify<T>(listeners: Iterable<(value: T) => void>, value: T): void {
  for (const listener of [...listeners]) {
    try {
      listener(value);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
