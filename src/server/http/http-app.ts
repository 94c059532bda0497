import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfabError } from '../../domain/errors.ts';
import { withFields, type Logger } from '../../util/logger.ts';
import { tokenCookie, type TokenCheck } from '../auth/credentials.ts';
import type { OriginPolicy } from '../auth/origin-policy.ts';
import { landingPage } from '../static/landing-page.ts';
import { callRoute } from './call-route.ts';
import { requestIdOf } from './request-id.ts';
import { sendError, sendJson, sendWireError } from './respond.ts';
import type { Router } from './router.ts';
import { splitUrl } from './split-url.ts';

export type HttpAppOptions = {
  router: Router;
  tokenCheck: TokenCheck;
  origins: OriginPolicy;
  maxBodyBytes: number;
  logger: Logger;
  /** Ids for requests that bring no sane `X-Request-Id`. Default: random UUIDs. */
  newRequestId?: () => string;
  /** Serves a non-API GET; resolves false when it has nothing for the path. */
  serveStatic?: (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean>;
};

/** `/?signin=<this>`: where a browser is sent after opening a link with a wrong token (the web app explains). */
export const invalidLinkMarker = 'invalid-link';

const corsAllowHeaders = 'Authorization, Content-Type, Last-Event-ID';
const corsAllowMethods = 'GET, POST, PATCH, DELETE, OPTIONS';

/**
 * The request handler: `/v1` goes through Origin and token checks to the router; `/` with
 * `?token=` is the browser hand-off (cookie, then 303 to `/`; a wrong token: 401, or for a browser
 * when the web app is served, 303 to `/?signin=invalid-link` and no cookie); other GETs are the web app.
 */
export function createHttpApp(options: HttpAppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { router, tokenCheck, origins, logger } = options;

  const handleApi = async (req: IncomingMessage, res: ServerResponse, pathname: string, query: URLSearchParams) => {
    const origin = req.headers.origin;
    if (origin !== undefined && origins.isListed(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        return sendJson(res, 204, undefined, { 'access-control-allow-methods': corsAllowMethods, 'access-control-allow-headers': corsAllowHeaders, 'access-control-max-age': '600' });
      }
    }
    const match = router.match(req.method ?? 'GET', pathname);
    // Whether a route needs the token is declared on the route (route-spec.ts `access`).
    if (match.kind !== 'found' || match.route.spec.access !== 'public') {
      if (!origins.allows(req)) return sendWireError(res, 403, 'forbidden', `Origin ${origin} is not allowed; start the server with --allow-origin ${origin} to allow it.`);
      if (!tokenCheck.admits(req, query)) {
        return sendWireError(res, 401, 'unauthorized', 'A valid token is required (Authorization: Bearer, the confab_token cookie, or ?token=).', { 'www-authenticate': 'Bearer' });
      }
    }
    if (match.kind === 'not-found') return sendWireError(res, 404, 'not_found', `No route ${req.method} ${pathname}.`);
    if (match.kind === 'method-not-allowed') {
      return sendWireError(res, 405, 'bad_request', `${req.method} is not allowed on ${pathname}; use ${match.allow.join(' or ')}.`, { allow: match.allow.join(', ') });
    }
    const reply = await callRoute(match.route, { req, res, params: match.params, query, maxBodyBytes: options.maxBodyBytes });
    if (reply) sendJson(res, reply.status, reply.body, reply.headers);
  };

  const handleOther = async (req: IncomingMessage, res: ServerResponse, pathname: string, query: URLSearchParams) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendWireError(res, 404, 'not_found', `No route ${req.method} ${pathname}.`);
    const handoff = query.get('token');
    if (pathname === '/' && handoff !== null) {
      if (!tokenCheck.matches(handoff)) {
        // A browser opening a stale or mistyped link gets the app's "Not signed in" page, not JSON.
        if (options.serveStatic && /\btext\/html\b/.test(req.headers.accept ?? '')) {
          return sendJson(res, 303, undefined, { location: `/?signin=${invalidLinkMarker}`, 'cache-control': 'no-store' });
        }
        return sendWireError(res, 401, 'unauthorized', 'The token in this link is not valid for this server.');
      }
      return sendJson(res, 303, undefined, { location: '/', 'set-cookie': tokenCookie(handoff), 'cache-control': 'no-store' });
    }
    if (options.serveStatic && (await options.serveStatic(req, res, pathname))) return;
    if (pathname === '/') return landingPage(res);
    sendWireError(res, 404, 'not_found', `Nothing at ${pathname}.`);
  };

  return (req, res) => {
    const started = performance.now();
    const requestId = requestIdOf(req, options.newRequestId);
    res.setHeader('x-request-id', requestId);
    const { pathname, query } = splitUrl(req.url);
    const log = withFields(logger, { requestId });
    // One line per request when it ends (SSE: when the stream ends). The path only: a query string may hold a token.
    res.once('close', () =>
      log.info('request', { method: req.method, path: pathname, status: res.statusCode, durationMs: Math.round(performance.now() - started), completed: res.writableFinished }),
    );
    // RFC 9112 3.2: an HTTP/1.1 request without Host is answered 400.
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      return sendWireError(res, 400, 'bad_request', 'An HTTP/1.1 request needs a Host header.', { connection: 'close' });
    }
    // Everything under /v1, and any other path the route table serves (`/metrics`).
    const isApi = pathname === '/v1' || pathname.startsWith('/v1/') || router.match(req.method ?? 'GET', pathname).kind !== 'not-found';
    const handled = isApi ? handleApi(req, res, pathname, query) : handleOther(req, res, pathname, query);
    handled.catch((error: unknown) => {
      if (ConfabError.is(error, 'payload_too_large')) res.setHeader('connection', 'close');
      sendError(res, error, log, { method: req.method, path: pathname });
    });
  };
}
