/**
 * Which retry a `run-retrying` event announces, counted the way a person counts. The event's
 * `attempt` is the attempt about to start (2 for the first retry) and `maxAttempts` includes the
 * first try, so with 4 attempts the first retry reads "retry 1 of 3". Every client (the CLI, the
 * web UI) shows retries with this one formula.
 */
export function retryCount(retry: { attempt: number; maxAttempts: number }): { retry: number; of: number } {
  return { retry: retry.attempt - 1, of: retry.maxAttempts - 1 };
}
