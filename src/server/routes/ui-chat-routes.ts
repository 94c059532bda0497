import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ConversationState, Run } from '../../domain/schemas.ts';
import type { SessionHub } from '../../engine/session-hub.ts';
import type { Subscription } from '../../engine/subscription.ts';
import { UiChatEncoder } from '../../interop/ui-chat/ui-chat-encoder.ts';
import { UiMessageChunkSchema, uiMessageStreamHeaders } from '../../interop/ui-chat/ui-message-chunks.ts';
import { sendInputOf, toUiMessage, UiChatRequestSchema, UiMessageSchema } from '../../interop/ui-chat/ui-messages.ts';
import type { Router } from '../http/router.ts';
import { SseStream } from '../sse/sse-stream.ts';
import type { StreamRegistry } from '../stream-registry.ts';
import { activeBranch } from '../../domain/branches.ts';

export type UiChatDeps = { hub: SessionHub; streams: StreamRegistry; token: string; keepAliveMs: number };

const chatIdParam = { id: 'The chat id: a Confab conversation id.' };
const streamAnswer = {
  description: 'A UI message stream (AI SDK protocol v1): each `data:` line is one chunk, the last is `data: [DONE]`.',
  contentType: 'text/event-stream',
  body: UiMessageChunkSchema,
} as const;

/**
 * The AI SDK `useChat` endpoint (docs/interop.md): `DefaultChatTransport({ api: '<server>/v1/ui-chat' })`
 * posts to `/v1/ui-chat` and reconnects with `GET /v1/ui-chat/:id/stream`; the chat id is the
 * conversation id. Stopping is Confab's own `POST /v1/conversations/:id/stop` (a client's abort
 * only closes its connection: the run goes on, and can be resumed).
 */
export function addUiChatRoutes(router: Router, deps: UiChatDeps): void {
  const { hub } = deps;
  router
    .add(
      {
        method: 'POST',
        path: '/v1/ui-chat',
        operationId: 'uiChatSend',
        tag: 'AI SDK',
        summary: 'Sends the chat\'s last user message to the conversation `id` and streams the reply as an AI SDK UI message stream.',
        description:
          'For `useChat` with `DefaultChatTransport`. The answer opens once the send is durable; it replays the reply from its start when it has already begun, and ends when the run ends (`finish`, `abort` when stopped or interrupted, `error` when it failed). Closing it does not stop the run.',
        body: { schema: UiChatRequestSchema, what: 'chat request' },
        responses: { 200: streamAnswer },
        errors: ['not_found', 'conversation_busy', 'unknown_model', 'payload_too_large', 'rate_limited'],
      },
      async ({ req, res, body }) => {
        const input = sendInputOf(body);
        const opened = await openSubscription(deps, body.id);
        let sent: { run: Run };
        try {
          sent = await hub.send(body.id, input);
        } catch (error) {
          opened.close();
          throw error;
        }
        opened.stream(req, res, sent.run.id, sent.run);
        return undefined;
      },
    )
    .add(
      {
        method: 'GET',
        path: '/v1/ui-chat/:id/stream',
        operationId: 'uiChatResume',
        tag: 'AI SDK',
        summary: 'Reconnects to the reply being written: a replay from its start, then live; 204 when no reply is running or queued.',
        description: 'What `useChat({ resume: true })` calls on mount (`DefaultChatTransport.reconnectToStream`).',
        params: chatIdParam,
        responses: { 200: streamAnswer, 204: { description: 'No run is queued, running or waiting for an approval.' } },
        errors: ['not_found', 'rate_limited'],
      },
      async ({ req, res, params }) => {
        const opened = await openSubscription(deps, params.id);
        const active = opened.state.runs.find((run) => run.status === 'running' || run.status === 'requires-action') ?? opened.state.runs.find((run) => run.status === 'queued');
        if (!active) {
          opened.close();
          return { status: 204 };
        }
        opened.stream(req, res, active.id);
        return undefined;
      },
    )
    .add(
      {
        method: 'GET',
        path: '/v1/ui-chat/:id/messages',
        operationId: 'uiChatMessages',
        tag: 'AI SDK',
        summary: 'The conversation\'s messages as AI SDK `UIMessage`s, to start `useChat({ id, messages })` with.',
        params: chatIdParam,
        responses: { 200: { description: 'The messages, oldest first, with the partial reply when one is being written.', body: z.object({ messages: z.array(UiMessageSchema) }) } },
        errors: ['not_found'],
      },
      async ({ params }) => {
        const { state } = await hub.getConversation(params.id);
        // The branch the conversation shows, as useChat knows one list of messages.
        return { status: 200, body: { messages: activeBranch(state.messages, state.conversation.activeMessageId ?? undefined).map(toUiMessage) } };
      },
    );
}

type OpenedSubscription = {
  state: ConversationState;
  close(): void;
  stream(req: IncomingMessage, res: ServerResponse, runId: string, run?: Run): void;
};

/** Subscribes (counted against the token's stream cap) and reads the first snapshot, before anything is sent. */
async function openSubscription({ hub, streams, token, keepAliveMs }: UiChatDeps, conversationId: string): Promise<OpenedSubscription> {
  const release = streams.reserve(token);
  let subscription: Subscription;
  try {
    subscription = await hub.subscribe(conversationId);
  } catch (error) {
    release();
    throw error;
  }
  const first = subscription.take()[0];
  if (first?.type !== 'snapshot') {
    subscription.close();
    release();
    throw new Error('a new subscription starts with a snapshot');
  }
  const close = () => {
    subscription.close();
    release();
  };
  return {
    state: first.data.state,
    close,
    stream(req, res, runId, run) {
      if (res.destroyed || req.socket.destroyed) return close();
      const encoder = new UiChatEncoder({ state: structuredClone(first.data.state), runId, run });
      const stream = new SseStream({
        res,
        subscription,
        keepAliveMs,
        encode: encoder.encode,
        headers: uiMessageStreamHeaders,
        preamble: '',
        onClose: (closed) => {
          streams.delete(closed);
          release();
        },
      });
      streams.add(stream);
    },
  };
}
