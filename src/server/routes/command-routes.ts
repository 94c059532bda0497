import { MessageRefInputSchema, NoInputSchema, SendInputSchema, StopInputSchema } from '../../domain/requests.ts';
import { ContinueResultSchema, ConversationReplySchema, SendResultSchema, StopResultSchema } from '../../domain/responses.ts';
import { ApprovalSchema, ApproveInputSchema } from '../../domain/approval-schemas.ts';
import { z } from 'zod';
import type { Router } from '../http/router.ts';
import type { RouteDeps } from './route-deps.ts';

const idParam = { id: 'The conversation id.' };

export function addCommandRoutes(router: Router, { hub }: RouteDeps): void {
  router
    .add(
      {
        method: 'POST',
        path: '/v1/conversations/:id/messages',
        operationId: 'sendMessage',
        tag: 'Commands',
        summary: 'Sends a user message and queues the run that answers it; the answer arrives as events.',
        params: idParam,
        body: { schema: SendInputSchema, what: 'message' },
        responses: { 202: { description: 'The run is queued (and durable).', body: SendResultSchema } },
        errors: ['not_found', 'forbidden', 'conversation_busy', 'unknown_model'],
      },
      async ({ params, body }) => ({ status: 202, body: await hub.send(params.id, body) }),
    )
    .add(
      {
        method: 'POST',
        path: '/v1/conversations/:id/stop',
        operationId: 'stopRun',
        tag: 'Commands',
        summary: 'Stops the active run (or takes a queued one off the queue) and answers once it has ended.',
        params: idParam,
        body: { schema: StopInputSchema, what: 'stop request', optional: true },
        responses: { 200: { description: 'The run as it ended, or null when there was nothing to stop.', body: StopResultSchema } },
        errors: ['not_found'],
      },
      async ({ params, body }) => ({ status: 200, body: await hub.stop(params.id, body) }),
    )
    .add(
      {
        method: 'POST',
        path: '/v1/conversations/:id/continue',
        operationId: 'continueRun',
        tag: 'Commands',
        summary: 'Starts a run that carries on from the last run\'s partial message.',
        description: 'A body, if sent, must be a JSON object (it is ignored).',
        params: idParam,
        body: { schema: NoInputSchema, what: 'continue request', optional: true },
        responses: { 202: { description: 'The run is queued.', body: ContinueResultSchema } },
        errors: ['not_found', 'conversation_busy', 'nothing_to_continue'],
      },
      async ({ params }) => ({ status: 202, body: await hub.continue(params.id) }),
    )
    .add(
      {
        method: 'POST',
        path: '/v1/conversations/:id/regenerate',
        operationId: 'regenerateReply',
        tag: 'Commands',
        summary: 'Queues a new reply to the user message that `messageId` answers (or to `messageId`, a user message), on a new branch.',
        description: 'The earlier replies stay, each on its own branch; the conversation shows the new one (`activeMessageId` becomes the user message).',
        params: idParam,
        body: { schema: MessageRefInputSchema, what: 'regenerate request' },
        responses: { 202: { description: 'The run is queued (and durable).', body: ContinueResultSchema } },
        errors: ['not_found', 'conversation_busy', 'unknown_model'],
      },
      async ({ params, body }) => ({ status: 202, body: await hub.regenerate(params.id, body) }),
    )
    .add(
      {
        method: 'POST',
        path: '/v1/conversations/:id/select-branch',
        operationId: 'selectBranch',
        tag: 'Commands',
        summary: 'Shows the branch through `messageId`: its ancestors, itself, and the newest reply at each step below it.',
        params: idParam,
        body: { schema: MessageRefInputSchema, what: 'branch selection' },
        responses: { 200: { description: 'The conversation, with its new `activeMessageId` (stored).', body: ConversationReplySchema } },
        errors: ['not_found'],
      },
      async ({ params, body }) => ({ status: 200, body: { conversation: await hub.selectBranch(params.id, body) } }),
    )
    .add(
      {
        method: 'POST',
        path: '/v1/conversations/:id/approvals/:approvalId',
        operationId: 'answerApproval',
        tag: 'Commands',
        summary: 'Answers a pending approval (allow once, allow always, deny, deny always); acknowledged once stored.',
        params: { ...idParam, approvalId: 'The approval id.' },
        body: { schema: ApproveInputSchema, what: 'approval answer' },
        responses: { 200: { description: 'The approval as answered.', body: z.object({ approval: ApprovalSchema }) } },
        errors: ['not_found', 'approval_closed'],
      },
      async ({ params, body }) => ({ status: 200, body: await hub.approve(params.id, params.approvalId, body) }),
    );
}
