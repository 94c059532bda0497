/**
 * An upstream failure, classified. `retryable` decides whether the run loop tries again;
 * `retryAfterMs` comes from the provider's Retry-After header when it sent one.
 * The message is safe to show to clients (no keys, no stack traces, no raw bodies).
 */
export type UpstreamErrorCode =
  | 'auth'
  | 'billing'
  | 'not_found'
  | 'rate_limit'
  | 'server'
  | 'network'
  | 'timeout'
  | 'cancelled'
  | 'bad_request'
  | 'unknown';

export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(options: { code: UpstreamErrorCode; message: string; retryable: boolean; retryAfterMs?: number; status?: number; cause?: unknown }) {
    super(options.message, { cause: options.cause });
    this.name = 'UpstreamError';
    this.code = options.code;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }

  static is(value: unknown): value is UpstreamError {
    return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'UpstreamError' && typeof (value as UpstreamError).code === 'string';
  }
}

/** Any failure of a source as an UpstreamError: one that is not already classified is `unknown`, not retried. */
export function toUpstreamError(error: unknown): UpstreamError {
  if (UpstreamError.is(error)) return error;
  return new UpstreamError({ code: 'unknown', message: 'The model request failed unexpectedly.', retryable: false, cause: error });
}
