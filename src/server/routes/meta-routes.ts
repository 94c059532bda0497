import type { Router } from '../http/router.ts';
import type { RouteDeps } from './route-deps.ts';

/** Health (no token needed; see http-app.ts), live sessions, configured models and request limits. */
export function addMetaRoutes(router: Router, { hub, models, version }: RouteDeps): void {
  router
    .add('GET', '/v1/health', () => ({ status: 200, body: { status: 'ok', version } }))
    .add('GET', '/v1/sessions', () => ({ status: 200, body: { sessions: hub.sessions() } }))
    .add('GET', '/v1/models', () => ({ status: 200, body: { models: models.list(), defaultModel: models.defaultModel() ?? null } }))
    // The bounds a client can check before it creates anything (the CLI: a question too long for one message).
    .add('GET', '/v1/limits', () => {
      const { maxMessageChars, maxContextParts, maxContextBytes, maxSystemPromptChars, maxQueuedRuns } = hub.limits;
      return { status: 200, body: { limits: { maxMessageChars, maxContextParts, maxContextBytes, maxSystemPromptChars, maxQueuedRuns } } };
    });
}
