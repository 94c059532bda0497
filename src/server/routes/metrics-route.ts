import type { Router } from '../http/router.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';

/**
 * `GET /metrics`: Prometheus text exposition. On the server's own port and behind its token like
 * every API route (scrape with `Authorization: Bearer`): the figures say how busy the server is
 * and how many conversations it holds, which is not for anyone who can reach the port.
 */
export function addMetricsRoute(router: Router, metrics: ServerMetrics): void {
  router.add(
    {
      method: 'GET',
      path: '/metrics',
      operationId: 'getMetrics',
      tag: 'Server',
      summary: 'Prometheus metrics: runs by status, tokens, retries, live conversations, subscribers, queue depth, checkpoint durations, Node\'s event-loop delay.',
      description: 'Text exposition format 0.0.4. Metric names and meanings: docs/interop.md.',
      responses: { 200: { description: 'The metrics.', contentType: 'text/plain; version=0.0.4' } },
    },
    async ({ res }) => {
      const { contentType, text } = await metrics.render();
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(text);
      return undefined;
    },
  );
}
