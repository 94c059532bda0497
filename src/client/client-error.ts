import type { ErrorCode } from '../domain/errors.ts';

/**
 * What a client call can fail with: the server's stable codes, plus what only a client can see.
 * - `network`: the server could not be reached, or the connection dropped before it answered.
 * - `timeout`: no answer within the request timeout.
 * - `closed`: the client (or the watch) was closed.
 * - `bad_response`: the server answered with something that is not the protocol.
 */
export type ClientErrorCode = ErrorCode | 'network' | 'timeout' | 'closed' | 'bad_response';

export class ConfabClientError extends Error {
  readonly code: ClientErrorCode;
  /** The HTTP status when the error came from an HTTP response, else null. */
  readonly status: number | null;

  constructor(code: ClientErrorCode, message: string, options: { status?: number | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfabClientError';
    this.code = code;
    this.status = options.status ?? null;
  }

  /** Structural check (works across copies of the package, unlike `instanceof`). */
  static is(value: unknown, code?: ClientErrorCode): value is ConfabClientError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'ConfabClientError' &&
      (code === undefined || (value as ConfabClientError).code === code)
    );
  }
}

/** Anything thrown inside the SDK as a ConfabClientError; unknown failures count as `network`. */
export function toClientError(error: unknown, fallbackMessage = 'The server could not be reached.'): ConfabClientError {
  if (ConfabClientError.is(error)) return error;
  return new ConfabClientError('network', fallbackMessage, { cause: error });
}
