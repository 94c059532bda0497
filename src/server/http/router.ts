import type { AnyRouteHandler, RouteHandler, RouteSpec } from './route-spec.ts';

export type { AnyReply, RouteContext, RouteHandler, RouteSpec, Reply } from './route-spec.ts';

export type Route = { spec: RouteSpec; handler: AnyRouteHandler };

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

type Entry = { route: Route; segments: string[] };

/**
 * The route table: exact path patterns with `:name` segments; no wildcards, no regular
 * expressions. Each route is added with its spec (route-spec.ts), so the table is also what the
 * OpenAPI document lists.
 */
export class Router {
  readonly #entries: Entry[] = [];

  add<const S extends RouteSpec>(spec: S, handler: NoInfer<RouteHandler<S>>): this {
    const segments = spec.path.split('/');
    const names = segments.filter((segment) => segment.startsWith(':')).map((segment) => segment.slice(1));
    const described = Object.keys(spec.params ?? {});
    if (names.length !== described.length || names.some((name) => !described.includes(name))) {
      throw new Error(`route ${spec.method} ${spec.path}: params must describe exactly ${names.join(', ') || 'nothing'}`);
    }
    for (const { route } of this.#entries) {
      if (route.spec.operationId === spec.operationId) throw new Error(`route ${spec.method} ${spec.path}: operationId ${spec.operationId} is taken`);
      if (route.spec.method === spec.method && route.spec.path === spec.path) throw new Error(`route ${spec.method} ${spec.path} is already added`);
    }
    this.#entries.push({ route: { spec, handler: handler as AnyRouteHandler }, segments });
    return this;
  }

  /** Every route, in the order added. */
  routes(): RouteSpec[] {
    return this.#entries.map((entry) => entry.route.spec);
  }

  match(method: string, path: string): RouteMatch {
    const segments = path.split('/');
    const allow: string[] = [];
    for (const { route, segments: pattern } of this.#entries) {
      const params = matchSegments(pattern, segments);
      if (!params) continue;
      if (route.spec.method === method || (method === 'HEAD' && route.spec.method === 'GET')) return { kind: 'found', route, params };
      allow.push(route.spec.method);
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
