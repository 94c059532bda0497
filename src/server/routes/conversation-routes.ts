import { z } from 'zod';
import { ConversationPatchSchema, NewConversationSchema } from '../../domain/requests.ts';
import { ConversationDetailSchema, ConversationPageSchema, ConversationReplySchema, SearchResultSchema } from '../../domain/responses.ts';
import type { Router } from '../http/router.ts';
import type { RouteDeps } from './route-deps.ts';

const integer = (name: string) => z.string().regex(/^\d+$/, `${name} must be a whole number`).transform(Number);

const ListQuerySchema = z.object({
  project: z.string().min(1).optional().describe('Only the conversations of this project.'),
  limit: integer('limit')
    .pipe(z.number().min(1, 'limit must be 1 to 200').max(200, 'limit must be 1 to 200'))
    .optional()
    .describe('Page size, 1 to 200 (default 50).'),
  before: integer('before').optional().describe('An `updatedAt` (exclusive): pass `nextBefore` to get the next page.'),
});

const defaultPageSize = 50;
const idParam = { id: 'The conversation id.' };

const SearchQuerySchema = z.object({
  q: z.string().describe('Words to look for (at most 200 characters, 8 words): a message matches when, for each, one of its words starts with it, in any case.'),
  project: z.string().min(1).optional().describe('Only the messages of this project.'),
  limit: integer('limit')
    .pipe(z.number().min(1, 'limit must be 1 to 100').max(100, 'limit must be 1 to 100'))
    .optional()
    .describe('At most this many hits, 1 to 100 (default 20).'),
});

export function addConversationRoutes(router: Router, { hub, models }: RouteDeps): void {
  router
    .add(
      {
        method: 'GET',
        path: '/v1/search',
        operationId: 'searchMessages',
        tag: 'Conversations',
        summary: 'Full-text search of message text across conversations, newest message first.',
        description: 'Every message of every branch is searched, once it has stopped streaming; each hit has a snippet with the matched ranges.',
        query: SearchQuerySchema,
        responses: { 200: { description: 'The messages found.', body: SearchResultSchema } },
        errors: ['not_found'],
      },
      async ({ query }) => ({ status: 200, body: { hits: await hub.searchMessages({ text: query.q, projectName: query.project, limit: query.limit }) } }),
    )
    .add(
      {
        method: 'GET',
        path: '/v1/conversations',
        operationId: 'listConversations',
        tag: 'Conversations',
        summary: 'Lists conversations, newest `updatedAt` first, a page at a time.',
        query: ListQuerySchema,
        responses: { 200: { description: 'One page; `nextBefore` is null on the last.', body: ConversationPageSchema } },
        errors: ['not_found'],
      },
      async ({ query }) => {
        const { project, limit = defaultPageSize, before } = query;
        if (project !== undefined) await hub.getProject(project);
        const conversations = await hub.listConversations({ projectName: project, limit, before });
        const nextBefore = conversations.length === limit ? conversations[conversations.length - 1].updatedAt : null;
        return { status: 200, body: { conversations, nextBefore } };
      },
    )
    .add(
      {
        method: 'POST',
        path: '/v1/conversations',
        operationId: 'createConversation',
        tag: 'Conversations',
        summary: 'Creates a conversation in a project.',
        description: 'Only `projectName` is required; `model` defaults to the server\'s default model.',
        body: { schema: NewConversationSchema, what: 'conversation' },
        responses: { 201: { description: 'The conversation was created.', body: ConversationReplySchema } },
        errors: ['not_found', 'unknown_model'],
      },
      async ({ body }) => {
        const conversation = await hub.createConversation({ ...body, model: body.model ?? models.defaultModel() });
        return { status: 201, body: { conversation } };
      },
    )
    .add(
      {
        method: 'GET',
        path: '/v1/conversations/:id',
        operationId: 'getConversation',
        tag: 'Conversations',
        summary: 'A conversation\'s full state, and the cursor it is current as of.',
        params: idParam,
        responses: { 200: { description: 'The conversation, its messages and runs.', body: ConversationDetailSchema } },
        errors: ['not_found'],
      },
      async ({ params }) => {
        const { state, cursor } = await hub.getConversation(params.id);
        return { status: 200, body: { conversation: state.conversation, messages: state.messages, runs: state.runs, retry: state.retry ?? null, approvals: state.approvals ?? [], cursor } };
      },
    )
    .add(
      {
        method: 'PATCH',
        path: '/v1/conversations/:id',
        operationId: 'updateConversation',
        tag: 'Conversations',
        summary: 'Changes the title, model, system prompt or busy policy; a model change applies from the next run.',
        params: idParam,
        body: { schema: ConversationPatchSchema, what: 'conversation patch' },
        responses: { 200: { description: 'The conversation as changed.', body: ConversationReplySchema } },
        errors: ['not_found', 'unknown_model'],
      },
      async ({ params, body }) => ({ status: 200, body: { conversation: await hub.updateConversation(params.id, body) } }),
    )
    .add(
      {
        method: 'DELETE',
        path: '/v1/conversations/:id',
        operationId: 'deleteConversation',
        tag: 'Conversations',
        summary: 'Stops any run and deletes the conversation for good; its watchers get `conversation-deleted`.',
        params: idParam,
        responses: { 204: { description: 'Deleted.' } },
        errors: ['not_found'],
      },
      async ({ params }) => {
        await hub.deleteConversation(params.id);
        return { status: 204 };
      },
    );
}
