import type { SessionHub } from '../../engine/session-hub.ts';
import type { Router } from '../http/router.ts';
import { sseHeaders, SseStream } from '../sse/sse-stream.ts';
import type { StreamRegistry } from '../stream-registry.ts';

export type EventStreamDeps = { hub: SessionHub; streams: StreamRegistry; token: string; keepAliveMs: number };

/**
 * `GET /v1/conversations/:id/events?after=CURSOR`: the conversation's events as SSE, from after
 * the cursor (`Last-Event-ID` wins over `after`), open across runs until the conversation is deleted.
 * Errors before the stream opens (unknown conversation, too many streams) are ordinary JSON errors.
 */
export function addEventStreamRoute(router: Router, { hub, streams, token, keepAliveMs }: EventStreamDeps): void {
  router.add('GET', '/v1/conversations/:id/events', async ({ req, res, params, query }) => {
    if (req.method === 'HEAD') {
      await hub.getConversation(params.id);
      return { status: 200, headers: { ...sseHeaders } };
    }
    const lastEventId = req.headers['last-event-id'];
    const after = (typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : query.get('after')) || undefined;
    const release = streams.reserve(token);
    let subscription;
    try {
      subscription = await hub.subscribe(params.id, { after });
    } catch (error) {
      release();
      throw error;
    }
    if (res.destroyed || req.socket.destroyed) {
      subscription.close();
      release();
      return undefined;
    }
    const stream = new SseStream({
      res,
      subscription,
      keepAliveMs,
      onClose: (closed) => {
        streams.delete(closed);
        release();
      },
    });
    streams.add(stream);
    return undefined;
  });
}
