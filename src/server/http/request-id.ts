import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What an incoming `X-Request-Id` may be to be kept: a proxy's or client's id, not arbitrary text. */
const saneRequestId = /^[A-Za-z0-9._:/+=@-]{1,128}$/;

/**
 * The request's id: its `X-Request-Id` when that is sane (1 to 128 characters of letters, digits
 * and `._:/+=@-`, so it is safe in a log line and a header), else a new one.
 */
export function requestIdOf(req: IncomingMessage, newId: () => string = randomUUID): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && saneRequestId.test(incoming) ? incoming : newId();
}
