/**
 * Errors a client may see. `code` is stable (clients branch on it); `message` is safe to show.
 * Internal failures never travel as-is: the server logs them and sends `internal`.
 * Browser-safe.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conversation_busy'
  | 'steer_unsupported'
  | 'nothing_to_continue'
  | 'approval_closed'
  | 'unknown_model'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'request_timeout'
  | 'rate_limited'
  | 'upstream_error'
  | 'stale_fence'
  | 'worker_unavailable'
  | 'time_limit'
  | 'internal';

export class ConfabError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfabError';
    this.code = code;
  }

  static is(value: unknown, code?: ErrorCode): value is ConfabError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'ConfabError' &&
      (code === undefined || (value as ConfabError).code === code)
    );
  }

  toWire(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}
