import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { ErrorCode } from '../../domain/errors.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type ResponseSpec = {
  description: string;
  /** The JSON body; absent for a response without one (204). */
  body?: z.ZodType;
  /**
   * A body that is not JSON (an SSE stream, Prometheus text), written by the route itself; `body`
   * then describes what the stream carries (for SSE: each event's `data:`).
   */
  contentType?: string;
};

/**
 * Everything a route declares about itself. The router serves it, the request core parses the
 * path, query, headers and body with these schemas before the handler runs, the handler's reply is
 * type-checked against `responses`, and the OpenAPI document (`GET /v1/openapi.json`) is generated
 * from the same table: a route cannot exist without appearing in the document.
 */
export type RouteSpec = {
  method: HttpMethod;
  /** `/v1/projects/:name`: exact segments, `:name` for a parameter. */
  path: string;
  /** Unique across the API; the OpenAPI `operationId`. */
  operationId: string;
  /** Groups operations in the document (`Projects`, `Conversations`, …). */
  tag: string;
  summary: string;
  description?: string;
  /** `public`: no token and no Origin check (health, the OpenAPI document). Default `token`. */
  access?: 'token' | 'public';
  /** Path parameters: what each one names. Must list exactly the pattern's `:name`s. */
  params?: Record<string, string>;
  /** The query string (values are strings; unknown keys are ignored). */
  query?: z.ZodObject;
  /** Request headers the route reads, lower-case names. */
  headers?: z.ZodObject;
  /** The JSON body. `what` names it in error messages; `optional`: an empty body counts as `{}`. */
  body?: { schema: z.ZodType; what: string; optional?: boolean };
  responses: Record<number, ResponseSpec>;
  /**
   * Wire error codes the route itself can answer with, besides those every route can (`bad_request`
   * for a malformed request, `unauthorized` and `forbidden` where a token is needed, `internal`).
   */
  errors?: readonly ErrorCode[];
};

type Output<S, K extends string> = S extends { [key in K]: infer T extends z.ZodType } ? z.output<T> : undefined;

/** What a route sees of its request, parsed with its spec's schemas. */
export type RouteContext<S extends RouteSpec = RouteSpec> = {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters, decoded (`/v1/projects/:name` → `{ name }`). */
  params: Record<string, string>;
  query: Output<S, 'query'>;
  headers: Output<S, 'headers'>;
  body: S extends { body: { schema: infer B extends z.ZodType } } ? z.output<B> : undefined;
};

type ReplyFor<R, K extends keyof R> = K extends number
  ? R[K] extends { contentType: string }
    ? { status: K; headers?: Record<string, string> }
    : R[K] extends { body: infer B extends z.ZodType }
      ? { status: K; body: z.output<B>; headers?: Record<string, string> }
      : { status: K; headers?: Record<string, string> }
  : never;

/**
 * A reply for the core to send: one of the declared statuses with its declared body; or
 * `undefined` when the route wrote the response itself (an SSE stream, metrics text).
 */
export type Reply<S extends RouteSpec = RouteSpec> = ReplyFor<S['responses'], keyof S['responses']> | undefined;

export type RouteHandler<S extends RouteSpec> = (context: RouteContext<S>) => Promise<Reply<S>> | Reply<S>;

/** A reply as the core sends it, whatever route it came from. */
export type AnyReply = { status: number; body?: unknown; headers?: Record<string, string> } | undefined;
export type AnyRouteHandler = (context: RouteContext) => Promise<AnyReply> | AnyReply;

/** Declares a spec, keeping its literal types for the handler (`router.add(spec, handler)` does the same inline). */
export const defineRoute = <const S extends RouteSpec>(spec: S): S => spec;
