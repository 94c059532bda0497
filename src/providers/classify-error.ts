import { APICallError } from '@ai-sdk/provider';
import { UpstreamError, type UpstreamErrorCode } from './upstream-error.ts';

/**
 * Turns whatever a provider request failed with into a classified `UpstreamError`:
 * an `APICallError` thrown by `doStream` (HTTP status, headers, parsed body), the payload of an
 * `{ type: 'error' }` stream part (a provider stream error with `statusCode`/`type`/`code`, or the
 * raw `{ message, type, code }` an OpenAI-compatible server sent mid-stream), a network failure
 * (undici's `TypeError: fetch failed` / `terminated` with a socket cause), or an abort.
 *
 * Messages are safe to show: the status and the provider's own error message, redacted and
 * truncated; never request bodies, response bodies or keys.
 */
export type ClassifyOptions = {
  /** The caller's signal: if it is aborted, the failure is a cancellation, whatever it looks like. */
  signal?: AbortSignal;
  /** Current time in ms, for `Retry-After` given as an HTTP date. */
  now?: number;
};

const retryableCodes = new Set<UpstreamErrorCode>(['rate_limit', 'server', 'network', 'timeout']);
const maxMessageLength = 300;

export function classifyUpstreamError(error: unknown, options: ClassifyOptions = {}): UpstreamError {
  if (UpstreamError.is(error)) return error;
  if (options.signal?.aborted) return cancelledError(error);

  const details = readDetails(error);
  const now = options.now ?? Date.now();
  const retryAfterMs = details.headers ? parseRetryAfter(details.headers, now) : undefined;
  const providerMessage = details.message ? safeText(details.message) : undefined;

  if (isBilling(details)) {
    return make('billing', describe(details.status, providerMessage, 'billing or quota problem'), error, details.status);
  }
  if (details.status !== undefined && details.status >= 400) {
    const code = codeForStatus(details.status);
    return make(code, describe(details.status, providerMessage, 'request failed'), error, details.status, retryAfterMs);
  }

  const network = findNetworkFailure(error);
  if (network) return make('network', `Network error talking to the provider: ${safeText(network)}`, error);

  if (isNamed(error, 'TimeoutError')) return make('timeout', 'The provider request timed out', error);
  if (isNamed(error, 'AbortError')) return make('network', 'The provider request was aborted', error);
  if (isNamed(error, 'AI_LoadAPIKeyError')) return make('auth', providerMessage ?? 'API key missing', error);
  if (isNamed(error, 'AI_InvalidResponseDataError') || isNamed(error, 'AI_JSONParseError') || isNamed(error, 'AI_TypeValidationError')) {
    // The provider sent something its own SDK cannot read (a proxy's HTML page, a cut stream, a
    // stream that ended without a finish reason). A fresh attempt usually gets a normal answer.
    return make('server', `The provider sent an invalid response${providerMessage ? `: ${providerMessage}` : ''}`, error);
  }
  if (details.inferredStatus !== undefined) {
    const code = codeForStatus(details.inferredStatus);
    return make(code, describe(undefined, providerMessage, 'provider stream error'), error, undefined, retryAfterMs);
  }
  return make('unknown', providerMessage ? `Provider error: ${providerMessage}` : 'Unknown provider error', error);
}

export function cancelledError(cause?: unknown): UpstreamError {
  return new UpstreamError({ code: 'cancelled', message: 'The request was cancelled', retryable: false, cause });
}

export function idleTimeoutError(idleTimeoutMs: number, cause?: unknown): UpstreamError {
  return new UpstreamError({
    code: 'timeout',
    message: `The provider sent nothing for ${idleTimeoutMs} ms`,
    retryable: true,
    cause,
  });
}

/**
 * `retry-after-ms` (milliseconds, OpenAI) wins over `retry-after` (seconds, or an HTTP date taken
 * relative to `now`). Negative, past or unparseable values are ignored (undefined).
 */
export function parseRetryAfter(headers: Headers | Record<string, string | undefined>, now: number): number | undefined {
  const get = (name: string): string | undefined => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
    for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
    return undefined;
  };
  const milliseconds = parseNumber(get('retry-after-ms'));
  if (milliseconds !== undefined) return Math.ceil(milliseconds);
  const retryAfter = get('retry-after')?.trim();
  if (!retryAfter) return undefined;
  const seconds = parseNumber(retryAfter);
  if (seconds !== undefined) return Math.ceil(seconds * 1000);
  if (/^\d/.test(retryAfter) || retryAfter.startsWith('-')) return undefined;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date) || date < now) return undefined;
  return date - now;
}

function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

type Details = {
  status: number | undefined;
  /** A status guessed from a stream error's type/code when the error carried none. */
  inferredStatus: number | undefined;
  message: string | undefined;
  type: string | undefined;
  code: string | undefined;
  headers: Record<string, string> | undefined;
};

function readDetails(error: unknown): Details {
  const details: Details = { status: undefined, inferredStatus: undefined, message: undefined, type: undefined, code: undefined, headers: undefined };
  if (APICallError.isInstance(error)) {
    details.status = error.statusCode;
    details.headers = error.responseHeaders;
    details.message = error.message;
    readErrorBody(error.data, details);
    return details;
  }
  if (isRecord(error)) {
    // A provider stream error (`createProviderStreamError`) or a raw `{ message, type, code }`.
    const body = isRecord(error.error) ? error.error : error;
    if (typeof body.message === 'string') details.message = body.message;
    if (typeof body.type === 'string') details.type = body.type;
    if (typeof body.code === 'string' || typeof body.code === 'number') details.code = String(body.code);
    if (typeof error.statusCode === 'number') details.status = error.statusCode;
    else if (!(error instanceof Error) && (details.type !== undefined || details.code !== undefined)) {
      details.inferredStatus = inferStatus(details);
    }
  }
  return details;
}

/** Reads `type`/`code` from an OpenAI (`{error:{type,code}}`) or Anthropic (`{type:'error', error:{type}}`) body. */
function readErrorBody(data: unknown, details: Details): void {
  if (!isRecord(data) || !isRecord(data.error)) return;
  if (typeof data.error.type === 'string') details.type = data.error.type;
  if (typeof data.error.code === 'string' || typeof data.error.code === 'number') details.code = String(data.error.code);
}

function inferStatus({ type, code }: Details): number {
  const words = `${type ?? ''} ${code ?? ''}`.toLowerCase();
  if (/^\d{3}$/.test(code ?? '')) return Number(code);
  if (words.includes('rate_limit')) return 429;
  if (words.includes('authentication')) return 401;
  if (words.includes('permission')) return 403;
  if (words.includes('not_found')) return 404;
  if (words.includes('overloaded')) return 529;
  if (words.includes('invalid') || words.includes('bad_request') || words.includes('context_length')) return 400;
  return 500;
}

function isBilling({ status, type, code, message }: Details): boolean {
  if (status === 402) return true;
  const words = `${type ?? ''} ${code ?? ''}`.toLowerCase();
  if (/insufficient_quota|billing/.test(words)) return true;
  return /insufficient[_ ]quota|credit balance is too low|billing hard limit/i.test(message ?? '');
}

function codeForStatus(status: number): UpstreamErrorCode {
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'billing';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limit';
  if (status >= 500) return 'server'; // includes Anthropic's 529 overloaded
  if (status >= 400) return 'bad_request';
  return 'unknown';
}

const networkCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);
const networkMessages = /^(fetch failed|failed to fetch|terminated)$|other side closed|socket hang up|socket closed|socket has been closed/i;

/** Walks the `cause` chain; returns the most specific message of a network failure, if any. */
function findNetworkFailure(error: unknown): string | undefined {
  let found: string | undefined;
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && networkCodes.has(code)) found = current.message || code;
    else if (networkMessages.test(current.message)) found = current.message;
  }
  return found;
}

function describe(status: number | undefined, providerMessage: string | undefined, fallback: string): string {
  const prefix = status !== undefined ? `Provider returned ${status}` : 'Provider error';
  return `${prefix}: ${providerMessage ?? fallback}`;
}

function make(code: UpstreamErrorCode, message: string, cause: unknown, status?: number, retryAfterMs?: number): UpstreamError {
  return new UpstreamError({ code, message: truncate(message), retryable: retryableCodes.has(code), retryAfterMs: retryableCodes.has(code) ? retryAfterMs : undefined, status, cause });
}

/** Redacts anything that looks like a credential and keeps the text to one short line. */
export function safeText(text: string): string {
  return truncate(
    text
      .replace(/\b(sk|pk|rk|sess)-[A-Za-z0-9_*.-]{6,}/g, '[redacted]')
      .replace(/\b(Bearer|x-api-key:?)\s+\S+/gi, '$1 [redacted]')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

function truncate(text: string): string {
  return text.length > maxMessageLength ? `${text.slice(0, maxMessageLength - 1)}…` : text;
}

function isNamed(error: unknown, name: string): boolean {
  return isRecord(error) && error.name === name;
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null;
}
