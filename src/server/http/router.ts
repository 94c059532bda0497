import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a route sees of its request. */
export type RouteContext = {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters, decoded (`/v1/projects/:name` → `{ name }`). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The JSON body (undefined when empty), read within the body size limit. */
  body(): Promise<unknown>;
};

/** A JSON reply for the core to send, or `undefined` when the route wrote the response itself (SSE). */
export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | undefined;
export type RouteHandler = (context: RouteContext) => Promise<Reply> | Reply;

export type RouteMatch =
  | { kind: 'found'; handler: RouteHandler; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

type Route = { method: string; segments: string[]; handler: RouteHandler };

/** Exact path patterns with `:name` segments; no wildcards, no regular expressions. */
export class Router {
  readonly #routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.#routes.push({ method, segments: pattern.split('/'), handler });
    return this;
  }

  match(method: string, path: string): RouteMatch {
    const segments = path.split('/');
    const allow: string[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { kind: 'found', handler: route.handler, params };
      allow.push(route.method);
    }
    return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) {
      if (actual[i] === '') return undefined;
      let value: string;
      try {
        value = decodeURIComponent(actual[i]);
      } catch {
        return undefined;
      }
      params[pattern[i].slice(1)] = value;
    } else if (pattern[i] !== actual[i]) {
      return undefined;
    }
  }
  return params;
}
