import type { IncomingMessage } from 'node:http';

/**
 * Which browser origins may talk to the server. A request with no `Origin` header (curl, the CLI,
 * Node clients) is allowed; one with an `Origin` must be the server's own origin, as the request's
 * `Host` header names it (`http://` or `https://`, for a TLS-terminating proxy), or on the
 * allow-list (`--allow-origin`).
 */
export class OriginPolicy {
  readonly #allowed: Set<string>;

  constructor(allowOrigins: readonly string[] = []) {
    this.#allowed = new Set(allowOrigins.map(normalizeOrigin));
  }

  allows(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const normalized = normalizeOrigin(origin);
    if (this.#allowed.has(normalized)) return true;
    const host = req.headers.host?.toLowerCase();
    return host !== undefined && (normalized === `http://${host}` || normalized === `https://${host}`);
  }

  /** True when the origin is on the allow-list (CORS responses are only given to those). */
  isListed(origin: string): boolean {
    return this.#allowed.has(normalizeOrigin(origin));
  }
}

function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
