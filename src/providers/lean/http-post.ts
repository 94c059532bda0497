import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * One JSON POST over `node:http`/`node:https` with a keep-alive agent: what the lean readers use
 * instead of `fetch`, whose body is a web stream (the cost the lean readers exist to avoid).
 * The promise settles when the response head arrives; the body is the `IncomingMessage`, read by
 * the caller. Aborting `signal` destroys the request and the response, at any point.
 */
export type HttpPost = (target: HttpTarget) => Promise<HttpResponse>;

export type HttpTarget = { url: URL; headers: Record<string, string>; body: string; signal: AbortSignal };

export type HttpResponse = {
  status: number;
  statusText: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: IncomingMessage;
};

export type HttpPostOptions = {
  /** Idle sockets kept per origin for reuse. Default 256. */
  maxFreeSockets?: number;
};

/** A poster with its own agents (one per provider, so providers do not share a socket pool). */
export function createHttpPost(options: HttpPostOptions = {}): HttpPost {
  const agentOptions = { keepAlive: true, maxFreeSockets: options.maxFreeSockets ?? 256, scheduling: 'lifo' as const };
  const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  return ({ url, headers, body, signal }) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const send = secure ? httpsRequest : httpRequest;
      const request = send(url, {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal,
      });
      request.on('response', (response) => {
        resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: flatten(response), body: response });
      });
      request.on('error', reject);
      // The request goes in one write; Nagle would only delay it.
      request.setNoDelay(true);
      request.end(body);
    });
}

/** The whole body as text, at most `maxBytes` (the rest is dropped): for error responses. */
export async function readText(body: IncomingMessage, maxBytes = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size >= maxBytes) continue;
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

function flatten(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
