import { ConfabClientError, type ClientErrorCode } from './client-error.ts';
import { checkRequestSize, defaultMaxRequestBytes } from './request-size.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export type HttpOptions = {
  /** Server base URL, e.g. `http://127.0.0.1:4317` (a path prefix behind a proxy is kept). */
  url: string;
  /** Sent as `Authorization: Bearer`; omit in a browser page served by Confab (the cookie is used). */
  token?: string;
  fetch?: FetchLike;
  /** The largest request body sent (the server's `maxBodyBytes`); a larger one fails unsent with `payload_too_large`. */
  maxRequestBytes?: number;
};

/** The bits of HTTP every REST call and SSE stream share: URLs, auth header, error decoding. */
export class Http {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly fetch: FetchLike;
  readonly maxRequestBytes: number;

  constructor(options: HttpOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.maxRequestBytes = options.maxRequestBytes ?? defaultMaxRequestBytes;
    this.token = options.token;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    // Browsers throw "Illegal invocation" when window.fetch is called detached from window.
    this.fetch = options.fetch ? fetchImpl : (input, init) => fetchImpl.call(globalThis, input, init);
  }

  url(path: string, query: Record<string, string | number | undefined> = {}): string {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
    const encoded = search.toString();
    const suffix = encoded === '' ? '' : `?${encoded}`;
    return `${this.baseUrl}${path}${suffix}`;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }), ...extra };
  }

  /** Sends a JSON request; resolves with the parsed body (undefined for 204), throws ConfabClientError. */
  async json<T>(method: string, path: string, options: { body?: unknown; query?: Record<string, string | number | undefined>; signal?: AbortSignal } = {}): Promise<T> {
    const hasBody = options.body !== undefined;
    const body = hasBody ? JSON.stringify(options.body) : undefined;
    // The server would answer 413 and close the connection mid-upload, which reads as a network error.
    if (body !== undefined) checkRequestSize(body, this.maxRequestBytes, `${method} ${path} request`);
    const response = await this.send(this.url(path, options.query), {
      method,
      headers: this.headers(hasBody ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' }),
      body,
      signal: options.signal,
    });
    if (!response.ok) throw await errorFromResponse(response);
    if (response.status === 204) return undefined as T;
    try {
      return (await response.json()) as T;
    } catch (cause) {
      throw new ConfabClientError('bad_response', `${method} ${path}: the answer was not JSON.`, { status: response.status, cause });
    }
  }

  /**
   * `fetch` with network failures turned into ConfabClientError(`network`). An idempotent request
   * that fails on the network is sent once more at once: a kept-alive connection the server closed
   * as idle just as the request went out fails with a reset that a new connection does not (browsers
   * retry such requests themselves; Node's fetch does not).
   */
  async send(url: string, init: RequestInit): Promise<Response> {
    const retries = idempotentMethods.has((init.method ?? 'GET').toUpperCase()) ? 1 : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.fetch(url, init);
      } catch (cause) {
        if (init.signal?.aborted) throw new ConfabClientError('closed', 'The request was cancelled.', { cause });
        if (attempt < retries) continue;
        throw new ConfabClientError('network', `The server at ${this.baseUrl} could not be reached.`, { cause });
      }
    }
  }
}

/** Methods whose request may be sent twice without changing the outcome (RFC 9110 9.2.2). */
const idempotentMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

const codeByStatus: Record<number, ClientErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conversation_busy',
  413: 'payload_too_large',
  431: 'headers_too_large',
  429: 'rate_limited',
  502: 'upstream_error',
};

/** The server's `{error: {code, message}}`, or a code guessed from the status when a proxy answered instead. */
export async function errorFromResponse(response: Response): Promise<ConfabClientError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ConfabClientError(error.code as ClientErrorCode, error.message, { status: response.status });
  }
  const code = codeByStatus[response.status] ?? (response.status >= 500 ? 'internal' : 'bad_response');
  return new ConfabClientError(code, `The server answered ${response.status} ${response.statusText}`.trim() + '.', { status: response.status });
}
