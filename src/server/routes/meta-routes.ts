import { HealthSchema, ModelListSchema, RequestLimitsSchema, SessionListSchema } from '../../domain/responses.ts';
import type { Router } from '../http/router.ts';
import type { RouteDeps } from './route-deps.ts';

/** Health (no token needed), live sessions, configured models and request limits. */
export function addMetaRoutes(router: Router, { hub, models, version }: RouteDeps): void {
  router
    .add(
      {
        method: 'GET',
        path: '/v1/health',
        operationId: 'getHealth',
        tag: 'Server',
        summary: 'Says the server is up, with its version. Needs no token.',
        access: 'public',
        responses: { 200: { description: 'The server is up.', body: HealthSchema } },
      },
      () => ({ status: 200, body: { status: 'ok', version } }),
    )
    .add(
      {
        method: 'GET',
        path: '/v1/sessions',
        operationId: 'listSessions',
        tag: 'Server',
        summary: 'Conversations loaded in memory: running, queued, watched, or used in the last minute.',
        responses: { 200: { description: 'The live conversations.', body: SessionListSchema } },
      },
      () => ({ status: 200, body: { sessions: hub.sessions() } }),
    )
    .add(
      {
        method: 'GET',
        path: '/v1/models',
        operationId: 'listModels',
        tag: 'Server',
        summary: 'The configured models with their prices, and the default for new conversations.',
        responses: { 200: { description: 'The models.', body: ModelListSchema } },
      },
      () => ({ status: 200, body: { models: models.list(), defaultModel: models.defaultModel() ?? null } }),
    )
    .add(
      {
        method: 'GET',
        path: '/v1/limits',
        operationId: 'getLimits',
        tag: 'Server',
        // The bounds a client can check before it creates anything (the CLI: a question too long for one message).
        summary: 'The bounds the server enforces on what clients send.',
        responses: { 200: { description: 'The limits.', body: RequestLimitsSchema } },
      },
      () => {
        const { maxMessageChars, maxContextParts, maxContextBytes, maxSystemPromptChars, maxQueuedRuns } = hub.limits;
        return { status: 200, body: { limits: { maxMessageChars, maxContextParts, maxContextBytes, maxSystemPromptChars, maxQueuedRuns } } };
      },
    );
}
