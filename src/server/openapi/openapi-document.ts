import { z } from 'zod';
import type { ErrorCode } from '../../domain/errors.ts';
import { errorStatus } from '../http/error-status.ts';
import type { RouteSpec } from '../http/route-spec.ts';
import { pascal, SchemaComponents } from './schema-components.ts';

type Json = Record<string, unknown>;

const errorCodes = Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]];
export const ErrorResponseSchema = z.object({ error: z.object({ code: z.enum(errorCodes), message: z.string() }) });

const anyToken = [{ bearerToken: [] }, { cookieToken: [] }, { queryToken: [] }];

/**
 * The OpenAPI 3.1 document of the routes a router serves, generated from their specs: paths,
 * parameters, request and answer bodies (from the same zod schemas the server validates with and
 * replies with), the wire errors each route can give, and who may call it.
 */
export function buildOpenApiDocument(routes: readonly RouteSpec[], info: { version: string }): Json {
  const schemas = new SchemaComponents();
  const errorRef = schemas.output(ErrorResponseSchema, 'ErrorResponse');
  const paths: Record<string, Record<string, Json>> = {};
  const errorResponses: Record<string, Json> = {};
  for (const route of routes) {
    for (const [, codes] of errorsByStatus(route)) if (codes.length === 1) errorResponses[errorResponseName(codes[0])] = errorResponse(codes, errorRef);
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route, schemas, errorRef);
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'Confab',
      version: info.version,
      description:
        'A self-hostable session server for AI assistants and coding agents. This document is generated from the server\'s route table. ' +
        'Besides these routes, `GET /v1/ws` upgrades to the WebSocket protocol (JSON frames; see docs/protocol.md), which carries the same events as the SSE stream.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [...new Set(routes.map((route) => route.tag))].map((name) => ({ name })),
    security: anyToken,
    paths,
  };
  return {
    ...document,
    components: {
      schemas: schemas.components({ document, errorResponses }),
      responses: Object.fromEntries(Object.entries(errorResponses).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'The server\'s access token: `Authorization: Bearer <token>`.' },
        cookieToken: { type: 'apiKey', in: 'cookie', name: 'confab_token', description: 'Set by opening `/?token=<token>` in a browser.' },
        queryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'For clients that cannot set headers (EventSource, WebSocket); prefer the header.' },
      },
    },
  };
}

function operation(route: RouteSpec, schemas: SchemaComponents, errorRef: Json): Json {
  const name = pascal(route.operationId);
  const parameters = [
    ...Object.entries(route.params ?? {}).map(([param, description]) => ({ name: param, in: 'path', required: true, description, schema: { type: 'string' } })),
    ...objectParameters(route.query, 'query'),
    ...objectParameters(route.headers, 'header'),
  ];
  const responses: Record<string, Json> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const contentType = response.contentType ?? 'application/json';
    const schema = response.body ? schemas.output(response.body, `${name}Response`) : contentType === 'application/json' ? undefined : { type: 'string' };
    responses[status] = { description: response.description, ...(schema ? { content: { [contentType]: { schema } } } : {}) };
  }
  for (const [status, codes] of errorsByStatus(route)) {
    // One code: the shared response of that code; several: a response naming them all.
    responses[status] =
      codes.length === 1 ? { $ref: `#/components/responses/${errorResponseName(codes[0])}` } : errorResponse(codes, errorRef);
  }
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.access === 'public' ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? { requestBody: { required: !route.body.optional, content: { 'application/json': { schema: schemas.input(route.body.schema, `${name}Request`) } } } }
      : {}),
    responses,
  };
}

function errorResponse(codes: ErrorCode[], errorRef: Json): Json {
  return { description: `Error ${codes.map((code) => `\`${code}\``).join(' or ')}.`, content: { 'application/json': { schema: errorRef } } };
}

/** `payload_too_large` → `PayloadTooLarge`. */
function errorResponseName(code: ErrorCode): string {
  return code.replace(/(^|_)([a-z])/g, (_match, _underscore: string, letter: string) => letter.toUpperCase());
}

/** Query or header parameters from a zod object, as zod accepts them. */
function objectParameters(schema: z.ZodObject | undefined, where: 'query' | 'header'): Json[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, { description, ...property }]) => ({
    name,
    in: where,
    required: json.required?.includes(name) ?? false,
    ...(description === undefined ? {} : { description }),
    schema: property,
  }));
}

/**
 * The wire errors a route can give, by status: its own, plus those every route can (a malformed
 * request; a body over the limit where it takes one; a missing token or a foreign Origin where it
 * needs the token; an internal error).
 */
function errorsByStatus(route: RouteSpec): [string, ErrorCode[]][] {
  const codes = new Set<ErrorCode>(['bad_request', ...(route.errors ?? [])]);
  if (route.body) codes.add('payload_too_large');
  if (route.access !== 'public') {
    codes.add('unauthorized');
    codes.add('forbidden');
  }
  codes.add('internal');
  const byStatus = new Map<string, ErrorCode[]>();
  for (const code of codes) {
    const status = String(errorStatus[code]);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return [...byStatus].sort(([a], [b]) => Number(a) - Number(b));
}
