import { z } from 'zod';
import type { CatalogSubscription } from '../../catalog/catalog-subscription.ts';
import type { SessionHub } from '../../engine/session-hub.ts';
import { CatalogEventSchema, type CatalogEvent } from '../../events/catalog-definitions.ts';
import { turnCache } from '../../util/turn-cache.ts';
import type { Router } from '../http/router.ts';
import { serveSse } from '../sse/serve-sse.ts';
import { sseHeaders, type SseEncoder } from '../sse/sse-stream.ts';
import type { StreamRegistry } from '../stream-registry.ts';

export type CatalogRouteDeps = { hub: SessionHub; streams: StreamRegistry; token: string; keepAliveMs: number };

/** `id: <cursor>\ndata: <event JSON>\n\n`, built once per event in a turn and shared by every stream writing it then. */
const catalogFrame = turnCache((event: CatalogEvent) => `id: ${event.cursor}\ndata: ${JSON.stringify(event)}\n\n`);

/** One frame per catalog event; the stream ends only with the server. */
const catalogFrames: SseEncoder<CatalogEvent, CatalogSubscription> = (events, subscription) => {
  let frames = '';
  for (const event of events) frames += catalogFrame(event);
  return { frames, end: subscription.closed && subscription.pending === 0 };
};

/**
 * `GET /v1/catalog/events?after=CURSOR`: the catalog feed as SSE (projects, conversations, live
 * session status), from after the cursor (`Last-Event-ID` wins over `after`); a fresh watch or a
 * cursor that cannot be replayed starts with `catalog-reload`.
 */
export function addCatalogRoutes(router: Router, { hub, streams, token, keepAliveMs }: CatalogRouteDeps): void {
  router.add(
    {
      method: 'GET',
      path: '/v1/catalog/events',
      operationId: 'streamCatalogEvents',
      tag: 'Events',
      summary: 'Catalog changes as Server-Sent Events: projects, conversations and live session status, so lists need no polling.',
      description:
        'Each frame is `id: <cursor>` and `data: <catalog event as JSON>`; `: keep-alive` comments every 15 s. Without a cursor, or with one that cannot be replayed (another epoch, older than the backlog), the first event is `catalog-reload`: load the lists over REST, then apply what follows. See docs/protocol.md ("Catalog feed") and docs/events.md.',
      query: z.object({ after: z.string().max(200).optional().describe('The last catalog cursor seen; omit to start with `catalog-reload`.') }),
      headers: z.object({ 'last-event-id': z.string().max(200).optional().describe('The last catalog cursor seen (wins over `after`); browsers send it when they reconnect.') }),
      responses: { 200: { description: 'An event stream; each `data:` line is one catalog event.', contentType: 'text/event-stream', body: CatalogEventSchema } },
      errors: ['rate_limited'],
    },
    async ({ req, res, query, headers }) => {
      if (req.method === 'HEAD') return { status: 200, headers: { ...sseHeaders } };
      const lastEventId = headers['last-event-id'];
      const after = (lastEventId !== undefined && lastEventId !== '' ? lastEventId : query.after) || undefined;
      return serveSse({ req, res, streams, token, keepAliveMs, open: () => hub.watchCatalog(after), encode: catalogFrames });
    },
  );
}
