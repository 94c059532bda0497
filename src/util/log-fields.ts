/**
 * What may go into a log line. Keys that name secrets or conversation text are replaced by
 * `[redacted]` wherever they appear (any depth, any case, `-`/`_` ignored); errors keep only their
 * type, message, code, HTTP status and stack, never the other properties libraries hang on them
 * (request bodies, headers); long strings are cut and deep values summarised, so one line stays
 * one bounded line.
 */
const redactedKeys = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'token',
  'accesstoken',
  'refreshtoken',
  'apikey',
  'xapikey',
  'password',
  'secret',
  'clientsecret',
  'content',
  'text',
  'delta',
  'prompt',
  'systemprompt',
  'messages',
  'input',
  'output',
  'body',
  'requestbodyvalues',
  'responsebody',
]);

export const redacted = '[redacted]';
const maxStringLength = 1_000;
const maxDepth = 4;
const maxEntries = 50;

export function isRedactedKey(key: string): boolean {
  return redactedKeys.has(key.toLowerCase().replace(/[-_]/g, ''));
}

export function safeFields(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  return fields ? (safeValue(fields, 0) as Record<string, unknown>) : {};
}

/** A token in a URL or a header value that found its way into a string (an error message, a URL). */
function scrub(text: string): string {
  return text.replace(/([?&](?:token|api[-_]?key|key)=)[^&#\s"']+/gi, `$1${redacted}`).replace(/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${redacted}`);
}

function safeValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrub(value.length > maxStringLength ? `${value.slice(0, maxStringLength)}… (${value.length} chars)` : value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (depth >= maxDepth) return Array.isArray(value) ? `[${value.length} items]` : '[object]';
  if (value instanceof Error) return safeError(value, depth);
  if (Array.isArray(value)) return value.slice(0, maxEntries).map((item) => safeValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value).slice(0, maxEntries)) out[key] = isRedactedKey(key) ? redacted : safeValue(child, depth + 1);
  return out;
}

function safeError(error: Error, depth: number): Record<string, unknown> {
  const { code, status, statusCode } = error as { code?: unknown; status?: unknown; statusCode?: unknown };
  return {
    type: error.name,
    message: safeValue(error.message, depth + 1),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof status === 'number' ? { status } : typeof statusCode === 'number' ? { status: statusCode } : {}),
    ...(error.stack ? { stack: safeValue(error.stack, depth + 1) } : {}),
    ...(error.cause !== undefined ? { cause: safeValue(error.cause, depth + 1) } : {}),
  };
}
