import { z } from 'zod';
import type { Router } from '../http/router.ts';
import { buildOpenApiDocument } from '../openapi/openapi-document.ts';

const OpenApiDocumentSchema = z.record(z.string(), z.unknown()).describe('An OpenAPI 3.1 document.');

/**
 * `GET /v1/openapi.json`: the OpenAPI 3.1 document of every route on `router`, built on the first
 * request (once every route is added) and kept. Public, like health: it describes the API that
 * the published source describes anyway, and holds nothing of this server's data or settings.
 */
export function addOpenApiRoute(router: Router, { version }: { version: string }): void {
  let document: Record<string, unknown> | undefined;
  router.add(
    {
      method: 'GET',
      path: '/v1/openapi.json',
      operationId: 'getOpenApiDocument',
      tag: 'Server',
      summary: 'This document: the OpenAPI 3.1 description of every route, generated from the route table. Needs no token.',
      access: 'public',
      responses: { 200: { description: 'The document.', body: OpenApiDocumentSchema } },
    },
    () => {
      document ??= buildOpenApiDocument(router.routes(), { version });
      return { status: 200, body: document };
    },
  );
}
