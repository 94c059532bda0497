import { z } from 'zod';
import { ConversationPatchSchema, NewConversationSchema } from '../../domain/requests.ts';
import type { Router } from '../http/router.ts';
import { parseInput } from '../http/parse-input.ts';
import type { RouteDeps } from './route-deps.ts';

const integer = (name: string) => z.string().regex(/^\d+$/, `${name} must be a whole number`).transform(Number);

const ListQuerySchema = z.object({
  project: z.string().min(1).optional(),
  limit: integer('limit').pipe(z.number().min(1, 'limit must be 1 to 200').max(200, 'limit must be 1 to 200')).optional(),
  before: integer('before').optional(),
});

const defaultPageSize = 50;

export function addConversationRoutes(router: Router, { hub, models }: RouteDeps): void {
  router
    .add('GET', '/v1/conversations', async ({ query }) => {
      const { project, limit = defaultPageSize, before } = parseInput(ListQuerySchema, Object.fromEntries(query), 'query');
      if (project !== undefined) await hub.getProject(project);
      const conversations = await hub.listConversations({ projectName: project, limit, before });
      const nextBefore = conversations.length === limit ? conversations[conversations.length - 1].updatedAt : null;
      return { status: 200, body: { conversations, nextBefore } };
    })
    .add('POST', '/v1/conversations', async ({ body }) => {
      const input = parseInput(NewConversationSchema, await body(), 'conversation');
      const conversation = await hub.createConversation({ ...input, model: input.model ?? models.defaultModel() });
      return { status: 201, body: { conversation } };
    })
    .add('GET', '/v1/conversations/:id', async ({ params }) => {
      const { state, cursor } = await hub.getConversation(params.id);
      return { status: 200, body: { conversation: state.conversation, messages: state.messages, runs: state.runs, retry: state.retry ?? null, approvals: state.approvals ?? [], cursor } };
    })
    .add('PATCH', '/v1/conversations/:id', async ({ params, body }) => {
      const patch = parseInput(ConversationPatchSchema, await body(), 'conversation patch');
      return { status: 200, body: { conversation: await hub.updateConversation(params.id, patch) } };
    })
    .add('DELETE', '/v1/conversations/:id', async ({ params }) => {
      await hub.deleteConversation(params.id);
      return { status: 204 };
    });
}
