import { APICallError } from '@ai-sdk/provider';
import { createProviderStreamError, type ProviderStreamError } from '@ai-sdk/provider-utils';
import type { ReaderContext } from './lean-step-source.ts';

/**
 * What `@ai-sdk/openai` makes of an error frame in a 200 stream (chat completions and Responses),
 * ported so that both paths classify it alike: before any output it is an `APICallError` with a
 * status taken from the error's code or type; after output it is a provider stream error carrying
 * that status. Source: `@ai-sdk/openai` `openai-stream-error.ts`.
 */
export function openAIStreamError(frame: unknown, beforeOutput: boolean, context: ReaderContext): unknown {
  const parsed = parseStreamError(frame);
  if (!beforeOutput) {
    if (!parsed) return frame;
    return providerStreamError(parsed, frame);
  }
  const streamError = parsed ? providerStreamError(parsed, frame) : undefined;
  return new APICallError({
    message: streamError?.message ?? 'OpenAI stream failed before any output was generated',
    url: context.url,
    requestBodyValues: context.requestBody,
    statusCode: streamError?.statusCode ?? 500,
    responseHeaders: context.responseHeaders,
    responseBody: JSON.stringify(frame),
    data: frame,
    isRetryable: streamError?.isRetryable,
  });
}

type StreamError = { message: string; code?: string | number; type?: string };

function providerStreamError(error: StreamError, frame: unknown): ProviderStreamError {
  const statusCode = statusCodeOf(error);
  const isRetryable = error.code === 'insufficient_quota' || error.type === 'insufficient_quota' ? false : isRetryableStatus(statusCode);
  return createProviderStreamError({ message: error.message, type: error.type, code: error.code, statusCode, isRetryable, data: frame });
}

function parseStreamError(frame: unknown): StreamError | undefined {
  const value = asRecord(frame);
  if (value == null) return undefined;
  if (value.type === 'response.failed') {
    const responseError = asRecord(asRecord(value.response)?.error);
    return typeof responseError?.message === 'string' ? { message: responseError.message, code: stringOrNumber(responseError.code), type: 'response.failed' } : undefined;
  }
  const error = asRecord(value.error) ?? value;
  const looksLikeError = asRecord(value.error) != null || typeof error.type === 'string' || 'code' in error || 'param' in error;
  if (typeof error.message !== 'string' || !looksLikeError) return undefined;
  return { message: error.message, code: stringOrNumber(error.code), type: typeof error.type === 'string' ? error.type : undefined };
}

function statusCodeOf(error: StreamError): number {
  const explicit = typeof error.code === 'string' && /^\d{3}$/.test(error.code) ? Number(error.code) : error.code;
  if (typeof explicit === 'number' && Number.isInteger(explicit) && explicit >= 400 && explicit <= 599) return explicit;
  const words = [error.code, error.type].filter((value) => typeof value === 'string' || typeof value === 'number').join(' ').toLowerCase();
  if (['insufficient_quota', 'rate_limit'].some((term) => words.includes(term))) return 429;
  if (words.includes('authentication')) return 401;
  if (words.includes('permission')) return 403;
  if (words.includes('not_found')) return 404;
  if (['invalid', 'bad_request', 'context_length'].some((term) => words.includes(term))) return 400;
  if (words.includes('overload')) return 503;
  if (words.includes('timeout')) return 504;
  return 500;
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value != null ? (value as Record<string, unknown>) : undefined;
}

function stringOrNumber(value: unknown): string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}
