import { addBenchMetricsRoute } from '../bench-hooks.ts';
import { Router } from '../http/router.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { StreamRegistry } from '../stream-registry.ts';
import { addCatalogRoutes } from './catalog-routes.ts';
import { addCommandRoutes } from './command-routes.ts';
import { addConversationRoutes } from './conversation-routes.ts';
import { addEventStreamRoute } from './event-stream-route.ts';
import { addExportRoutes } from './export-routes.ts';
import { addMetaRoutes } from './meta-routes.ts';
import { addMetricsRoute } from './metrics-route.ts';
import { addOpenApiRoute } from './openapi-route.ts';
import { addProjectRoutes } from './project-routes.ts';
import type { RouteDeps } from './route-deps.ts';
import { addUiChatRoutes } from './ui-chat-routes.ts';
import { addWorkerRoutes } from '../../workers/worker-routes.ts';

export type RouteTableDeps = RouteDeps & {
  streams: StreamRegistry;
  token: string;
  sseKeepAliveMs: number;
  metrics: ServerMetrics;
  /** Read for the benchmark hooks (`CONFAB_BENCH_METRICS`). Default `process.env`. */
  env?: Record<string, string | undefined>;
};

/** Every HTTP route the server serves: the one table the OpenAPI document is generated from. */
export function buildRouteTable(deps: RouteTableDeps): Router {
  const router = new Router();
  addMetaRoutes(router, deps);
  addProjectRoutes(router, deps);
  addConversationRoutes(router, deps);
  addCommandRoutes(router, deps);
  if (deps.workers) addWorkerRoutes(router, deps.workers);
  addExportRoutes(router, deps);
  addEventStreamRoute(router, { hub: deps.hub, streams: deps.streams, token: deps.token, keepAliveMs: deps.sseKeepAliveMs });
  addCatalogRoutes(router, { hub: deps.hub, streams: deps.streams, token: deps.token, keepAliveMs: deps.sseKeepAliveMs });
  addUiChatRoutes(router, { hub: deps.hub, streams: deps.streams, token: deps.token, keepAliveMs: deps.sseKeepAliveMs });
  addMetricsRoute(router, deps.metrics);
  addBenchMetricsRoute(router, deps.hub, deps.env);
  addOpenApiRoute(router, deps);
  return router;
}
