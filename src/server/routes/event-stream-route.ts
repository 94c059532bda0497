import { z } from 'zod';
import type { SessionHub } from '../../engine/session-hub.ts';
import { EventSchema } from '../../events/event-schema.ts';
import type { Router } from '../http/router.ts';
import { serveSse } from '../sse/serve-sse.ts';
import { sseHeaders } from '../sse/sse-stream.ts';
import type { StreamRegistry } from '../stream-registry.ts';

export type EventStreamDeps = { hub: SessionHub; streams: StreamRegistry; token: string; keepAliveMs: number };

/**
 * `GET /v1/conversations/:id/events?after=CURSOR`: the conversation's events as SSE, from after
 * the cursor (`Last-Event-ID` wins over `after`), open across runs until the conversation is deleted.
 * Errors before the stream opens (unknown conversation, too many streams) are ordinary JSON errors.
 */
export function addEventStreamRoute(router: Router, { hub, streams, token, keepAliveMs }: EventStreamDeps): void {
  router.add(
    {
      method: 'GET',
      path: '/v1/conversations/:id/events',
      operationId: 'streamEvents',
      tag: 'Events',
      summary: 'The conversation\'s events as Server-Sent Events: replay after the cursor (or a snapshot first), then live.',
      description:
        'Each frame is `id: <cursor>` and `data: <event as JSON>`; `: keep-alive` comments every 15 s. The stream stays open across runs and ends after `conversation-deleted`. See docs/protocol.md and docs/events.md.',
      params: { id: 'The conversation id.' },
      query: z.object({ after: z.string().optional().describe('The last cursor seen; omit for a snapshot first.') }),
      headers: z.object({ 'last-event-id': z.string().optional().describe('The last cursor seen (wins over `after`); browsers send it when they reconnect.') }),
      responses: { 200: { description: 'An event stream; each `data:` line is one event.', contentType: 'text/event-stream', body: EventSchema } },
      errors: ['not_found', 'rate_limited'],
    },
    async ({ req, res, params, query, headers }) => {
      if (req.method === 'HEAD') {
        await hub.getConversation(params.id);
        return { status: 200, headers: { ...sseHeaders } };
      }
      const lastEventId = headers['last-event-id'];
      const after = (lastEventId !== undefined && lastEventId !== '' ? lastEventId : query.after) || undefined;
      return serveSse({ req, res, streams, token, keepAliveMs, open: () => hub.subscribe(params.id, { after }) });
    },
  );
}
