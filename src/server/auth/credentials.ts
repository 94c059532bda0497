import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const tokenCookieName = 'confab_token';

/**
 * Checks a request's credentials against the server's token. A token may come as
 * `Authorization: Bearer <token>`, the `confab_token` cookie, or the `token` query parameter (for
 * browser EventSource/WebSocket clients, which cannot set headers); any one that matches admits.
 */
export class TokenCheck {
  readonly #expected: Buffer;

  constructor(token: string) {
    this.#expected = digest(token);
  }

  /** Constant-time: both sides are hashed to equal-length digests before comparing. */
  matches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.#expected);
  }

  admits(req: IncomingMessage, query: URLSearchParams): boolean {
    let admitted = false;
    for (const candidate of presentedTokens(req, query)) admitted = this.matches(candidate) || admitted;
    return admitted;
  }
}

/** Every token the request presents, in the order header, cookie, query. */
export function presentedTokens(req: IncomingMessage, query: URLSearchParams): string[] {
  const tokens: string[] = [];
  const authorization = req.headers.authorization;
  if (authorization) {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (match) tokens.push(match[1]);
  }
  const cookie = readCookie(req.headers.cookie, tokenCookieName);
  if (cookie) tokens.push(cookie);
  const fromQuery = query.get('token');
  if (fromQuery) tokens.push(fromQuery);
  return tokens;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0 || pair.slice(0, separator).trim() !== name) continue;
    const value = pair.slice(separator + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/** The cookie the `/?token=` hand-off sets: not readable by scripts, never sent cross-site. */
export function tokenCookie(token: string): string {
  return `${tokenCookieName}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
