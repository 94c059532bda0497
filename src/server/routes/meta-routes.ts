import type { Router } from '../http/router.ts';
import type { RouteDeps } from './route-deps.ts';

/** Health (no token needed; see http-app.ts), live sessions and configured models. */
export function addMetaRoutes(router: Router, { hub, models, version }: RouteDeps): void {
  router
    .add('GET', '/v1/health', () => ({ status: 200, body: { status: 'ok', version } }))
    .add('GET', '/v1/sessions', () => ({ status: 200, body: { sessions: hub.sessions() } }))
    .add('GET', '/v1/models', () => ({ status: 200, body: { models: models.list(), defaultModel: models.defaultModel() ?? null } }));
}
