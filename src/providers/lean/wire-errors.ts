import { APICallError, JSONParseError, TypeValidationError } from '@ai-sdk/provider';
import { UpstreamError } from '../upstream-error.ts';
import type { HttpAnswer } from './lean-step-source.ts';

/**
 * The error values the lean readers throw, built as the AI SDK provider packages build them for the
 * same bytes, so `classifyUpstreamError` treats both paths alike (the errors are rare; their
 * classes cost nothing on the hot path).
 */

/** The answer ended without the provider's finish signal (same wording as the AI SDK step source). */
export function interruptedError(): UpstreamError {
  return new UpstreamError({ code: 'network', message: 'The provider stream ended before the answer finished', retryable: true });
}

/**
 * A non-2xx answer, as `createJsonErrorResponseHandler` reads it: the provider's message when the
 * body has the provider's error shape (`messageOf` returns it, or undefined), else the status text.
 */
export function httpAnswerError(answer: HttpAnswer, messageOf: (body: unknown) => string | undefined): APICallError {
  let data: unknown;
  let message: string | undefined;
  if (answer.text.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(answer.text);
      message = messageOf(parsed);
      if (message !== undefined) data = parsed;
    } catch {
      // Not JSON (a proxy's HTML page): the status text stands.
    }
  }
  return new APICallError({
    message: message ?? answer.statusText,
    url: answer.url,
    requestBodyValues: answer.requestBody,
    statusCode: answer.status,
    responseHeaders: answer.headers,
    responseBody: answer.text,
    ...(data === undefined ? {} : { data }),
  });
}

/** `{ error: { message, type?, code? } }`: OpenAI and the servers that copy it. */
export function openAIErrorMessage(body: unknown): string | undefined {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (!error || typeof error.message !== 'string') return undefined;
  if (error.type != null && typeof error.type !== 'string') return undefined;
  if (error.code != null && typeof error.code !== 'string' && typeof error.code !== 'number') return undefined;
  return error.message;
}

/** `{ type: "error", error: { type, message } }`: Anthropic. */
export function anthropicErrorMessage(body: unknown): string | undefined {
  if (!isRecord(body) || body.type !== 'error' || !isRecord(body.error)) return undefined;
  const { type, message } = body.error;
  return typeof type === 'string' && typeof message === 'string' ? message : undefined;
}

/** One SSE frame's JSON; what is not JSON fails as the AI SDK's `JSONParseError`. */
export function parseFrame(text: string): Record<string, any> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new JSONParseError({ text, cause });
  }
  if (!isRecord(value)) throw invalidChunk(value, 'a JSON object');
  return value;
}

/** A frame whose fields in use have the wrong shape (the AI SDK's schema would have refused it). */
export function invalidChunk(value: unknown, expected: string): TypeValidationError {
  return new TypeValidationError({ value, cause: new Error(`expected ${expected}`) });
}

export function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
