import type { UpstreamError } from '../../providers/upstream-error.ts';

export type RetryOptions = {
  /** Total attempts per model step, the first included (3 retries → 4). */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Fraction of the delay added or removed at random (0.2 → ±20%). */
  jitter: number;
  /** A Retry-After longer than this is not waited for: the run fails with the error instead. */
  maxRetryAfterMs: number;
};

export const defaultRetryOptions: RetryOptions = {
  maxAttempts: 4,
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  jitter: 0.2,
  maxRetryAfterMs: 60_000,
};

/**
 * How long to wait before retrying after failed attempt number `attempt` (1-based), or undefined
 * when the error must not be retried. The provider's Retry-After wins over our back-off.
 */
export function retryDelay(attempt: number, error: UpstreamError, options: RetryOptions, random: () => number): number | undefined {
  if (!error.retryable || attempt >= options.maxAttempts) return undefined;
  if (error.retryAfterMs !== undefined) {
    return error.retryAfterMs <= options.maxRetryAfterMs ? Math.max(0, Math.round(error.retryAfterMs)) : undefined;
  }
  const base = Math.min(options.initialDelayMs * 2 ** (attempt - 1), options.maxDelayMs);
  const spread = base * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(base + spread, options.maxDelayMs * (1 + options.jitter))));
}
