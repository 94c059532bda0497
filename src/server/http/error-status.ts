import type { ErrorCode } from '../../domain/errors.ts';

/** The HTTP status each wire error code travels with. */
export const errorStatus: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conversation_busy: 409,
  steer_unsupported: 409,
  nothing_to_continue: 409,
  approval_closed: 409,
  unknown_model: 400,
  payload_too_large: 413,
  headers_too_large: 431,
  request_timeout: 408,
  rate_limited: 429,
  upstream_error: 502,
  stale_fence: 409,
  worker_unavailable: 503,
  time_limit: 504,
  internal: 500,
};
