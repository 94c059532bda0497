import { NewWorkerSchema } from '../domain/requests.ts';
import { NewWorkerReplySchema, WorkerListSchema } from '../domain/responses.ts';
import type { Router } from '../server/http/router.ts';
import type { WorkerDirectory } from './worker-directory.ts';

/** `/v1/workers`: machine workers and their tokens, for whoever holds the server's token (the admin). */
export function addWorkerRoutes(router: Router, directory: WorkerDirectory): void {
  router
    .add(
      {
        method: 'GET',
        path: '/v1/workers',
        operationId: 'listWorkers',
        tag: 'Workers',
        summary: 'The machine workers, their projects and whether each is connected.',
        responses: { 200: { description: 'The workers (never their tokens).', body: WorkerListSchema } },
      },
      () => ({ status: 200, body: { workers: directory.list() } }),
    )
    .add(
      {
        method: 'POST',
        path: '/v1/workers',
        operationId: 'createWorker',
        tag: 'Workers',
        summary: 'Makes a machine worker and its token, scoped to the named projects.',
        description:
          'The token is in this answer only: the server keeps its hash. A named project that does not exist yet is created as a worker project (no directory on the server, `path` ""). `name` and each project match `^[a-zA-Z0-9_-]{1,64}$`.',
        body: { schema: NewWorkerSchema, what: 'worker' },
        responses: { 201: { description: 'The worker and its token.', body: NewWorkerReplySchema } },
      },
      async ({ body }) => ({ status: 201, body: await directory.add(body) }),
    )
    .add(
      {
        method: 'DELETE',
        path: '/v1/workers/:name',
        operationId: 'revokeWorker',
        tag: 'Workers',
        summary: "Revokes a worker's token: it is disconnected at once and its runs are handed back.",
        params: { name: 'The worker name.' },
        responses: { 204: { description: 'Revoked.' } },
        errors: ['not_found'],
      },
      async ({ params }) => {
        await directory.revoke(params.name);
        return { status: 204 };
      },
    );
}
