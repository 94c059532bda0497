import { z } from 'zod';
import { conversationMarkdown, ConversationExportSchema } from '../../domain/conversation-export.ts';
import { ConversationReplySchema } from '../../domain/responses.ts';
import type { Router } from '../http/router.ts';
import type { RouteDeps } from './route-deps.ts';

const idParam = { id: 'The conversation id.' };

/** A file name for the download: the title's letters, digits, `-` and `_`, else the id. */
function fileName(title: string, id: string, extension: string): string {
  const base = title.replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 60) || id;
  return `attachment; filename="${base.replace(/[^\x20-\x7e]/g, '_')}.${extension}"; filename*=UTF-8''${encodeURIComponent(base)}.${extension}`;
}

export function addExportRoutes(router: Router, { hub, models }: RouteDeps): void {
  router
    .add(
      {
        method: 'GET',
        path: '/v1/conversations/:id/export',
        operationId: 'exportConversation',
        tag: 'Conversations',
        summary: 'The conversation as a JSON file: the record and every message of every branch, with parts, usage and cost.',
        description: '`POST /v1/conversations/import` reads it back. Sent with `content-disposition: attachment`.',
        params: idParam,
        responses: { 200: { description: 'The export.', body: ConversationExportSchema } },
        errors: ['not_found'],
      },
      async ({ params }) => {
        const exported = await hub.exportConversation(params.id);
        const headers = { 'content-disposition': fileName(exported.conversation.title, exported.conversation.id, 'json') };
        return { status: 200, body: exported, headers };
      },
    )
    .add(
      {
        method: 'GET',
        path: '/v1/conversations/:id/export/markdown',
        operationId: 'exportConversationMarkdown',
        tag: 'Conversations',
        summary: 'The branch shown as a Markdown file: one section per message, with tool calls, attachments and usage.',
        params: idParam,
        responses: { 200: { description: 'The Markdown (`content-disposition: attachment`).', contentType: 'text/markdown; charset=utf-8' } },
        errors: ['not_found'],
      },
      async ({ params, res }) => {
        const { state } = await hub.getConversation(params.id);
        const text = conversationMarkdown(state.conversation, state.messages);
        res.writeHead(200, {
          'content-type': 'text/markdown; charset=utf-8',
          'content-length': Buffer.byteLength(text),
          'content-disposition': fileName(state.conversation.title, state.conversation.id, 'md'),
        });
        res.end(text);
        return undefined;
      },
    )
    .add(
      {
        method: 'POST',
        path: '/v1/conversations/import',
        operationId: 'importConversation',
        tag: 'Conversations',
        summary: 'Creates a conversation from a JSON export, with new ids; runs are not imported.',
        description:
          'The body is the export as `GET …/export` gives it. The conversation goes to `project` (default: the exported project), with the exported model when it is configured here, else the default model. A message left streaming becomes `interrupted`; remembered approval answers are not imported.',
        query: z.object({ project: z.string().min(1).optional().describe('The project to import into.') }),
        body: { schema: z.unknown(), what: 'conversation export' },
        responses: { 201: { description: 'The new conversation (stored).', body: ConversationReplySchema } },
        errors: ['not_found', 'payload_too_large'],
      },
      async ({ query, body }) => ({ status: 201, body: { conversation: await hub.importConversation(body, { projectName: query.project, fallbackModel: models.defaultModel() ?? '' }) } }),
    );
}
