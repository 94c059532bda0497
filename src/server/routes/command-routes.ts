import { z } from 'zod';
import { ApproveInputSchema } from '../../domain/approval-schemas.ts';
import { SendInputSchema } from '../../domain/requests.ts';
import type { Router } from '../http/router.ts';
import { parseInput } from '../http/parse-input.ts';
import type { RouteDeps } from './route-deps.ts';

export const StopInputSchema = z.object({ runId: z.string().min(1).optional() });
const NoInputSchema = z.object({});

export function addCommandRoutes(router: Router, { hub }: RouteDeps): void {
  router
    .add('POST', '/v1/conversations/:id/messages', async ({ params, body }) => {
      const input = parseInput(SendInputSchema, await body(), 'message');
      return { status: 202, body: await hub.send(params.id, input) };
    })
    .add('POST', '/v1/conversations/:id/stop', async ({ params, body }) => {
      const input = parseInput(StopInputSchema, (await body()) ?? {}, 'stop request');
      return { status: 200, body: await hub.stop(params.id, input) };
    })
    .add('POST', '/v1/conversations/:id/continue', async ({ params, body }) => {
      parseInput(NoInputSchema, (await body()) ?? {}, 'continue request');
      return { status: 202, body: await hub.continue(params.id) };
    })
    .add('POST', '/v1/conversations/:id/approvals/:approvalId', async ({ params, body }) => {
      const input = parseInput(ApproveInputSchema, await body(), 'approval answer');
      return { status: 200, body: await hub.approve(params.id, params.approvalId, input) };
    });
}
