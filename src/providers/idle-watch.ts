/** The default longest wait for the next bytes from a provider, on both step sources. */
export const defaultIdleTimeoutMs = 120_000;

/**
 * An AbortController that fires when a wait (between `arm()` and `disarm()`) lasts `timeoutMs`.
 * Streams arm and disarm once per chunk, so this keeps one timer per stream that reschedules itself
 * to the current deadline, instead of creating a timer per chunk.
 */
export function createIdleWatch(timeoutMs: number) {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let waiting = false;
  let deadline = 0;
  const check = () => {
    timer = undefined;
    if (!waiting) return;
    const remaining = deadline - performance.now();
    if (remaining > 0) {
      timer = setTimeout(check, remaining);
      return;
    }
    watch.fired = true;
    controller.abort(new Error(`idle for ${timeoutMs} ms`));
  };
  const watch = {
    fired: false,
    signal: controller.signal,
    arm() {
      waiting = true;
      deadline = performance.now() + timeoutMs;
      timer ??= setTimeout(check, timeoutMs);
    },
    disarm() {
      waiting = false;
    },
    close() {
      waiting = false;
      clearTimeout(timer);
      timer = undefined;
    },
    abort() {
      controller.abort();
    },
  };
  return watch;
}
