import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseInput } from './parse-input.ts';
import { readJsonBody } from './read-json-body.ts';
import type { AnyReply, Route, RouteContext } from './router.ts';

/**
 * Parses what the route's spec declares (query, headers, then the body, read within
 * `maxBodyBytes`) and calls its handler. Invalid input is `bad_request` before the handler runs;
 * a route that declares no body never reads one.
 */
export async function callRoute(
  route: Route,
  request: { req: IncomingMessage; res: ServerResponse; params: Record<string, string>; query: URLSearchParams; maxBodyBytes: number },
): Promise<AnyReply> {
  const { spec, handler } = route;
  const { req, res, params } = request;
  const query = spec.query ? parseInput(spec.query, Object.fromEntries(request.query), 'query') : undefined;
  const headers = spec.headers ? parseInput(spec.headers, req.headers, 'headers') : undefined;
  let body: unknown;
  if (spec.body) {
    const raw = await readJsonBody(req, request.maxBodyBytes);
    body = parseInput(spec.body.schema, raw === undefined && spec.body.optional ? {} : raw, spec.body.what);
  }
  return handler({ req, res, params, query, headers, body } as RouteContext);
}
