import type { ServerResponse } from 'node:http';
import { ConfabError, type ErrorCode } from '../../domain/errors.ts';
import type { Logger } from '../../util/logger.ts';
import { errorStatus } from './error-status.ts';

export type WireErrorBody = { error: { code: ErrorCode; message: string } };

/** Sends a JSON body (or nothing, for 204) unless a response was already started. */
export function sendJson(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    return void res.end();
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * What a client may see of an error: a ConfabError's code and message, else `internal` with a
 * generic message (the error itself is logged, never sent).
 */
export function toWireError(error: unknown, logger: Logger, context: Record<string, unknown> = {}): { status: number; body: WireErrorBody } {
  if (ConfabError.is(error)) return { status: errorStatus[error.code], body: { error: error.toWire() } };
  logger.error('request failed', { ...context, error });
  return { status: 500, body: { error: { code: 'internal', message: 'Internal server error.' } } };
}

export function sendError(res: ServerResponse, error: unknown, logger: Logger, context?: Record<string, unknown>): void {
  const { status, body } = toWireError(error, logger, context);
  sendJson(res, status, body);
}

export function sendWireError(res: ServerResponse, status: number, code: ErrorCode, message: string, headers?: Record<string, string>): void {
  sendJson(res, status, { error: { code, message } } satisfies WireErrorBody, headers);
}
