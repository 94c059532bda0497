/**
 * Plain `node:http` for the load clients: a small JSON request, and a streaming request whose body
 * arrives as latin1 strings (every byte the bench reads is ASCII). Cheaper per request than fetch,
 * and a stream can be cut (`destroy`) like a dropped network connection.
 */
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';

export const keepAliveAgent = new Agent({ keepAlive: true, maxSockets: 256 });

export type JsonReply = { status: number; headers: IncomingMessage['headers']; text: string };

export function requestJson(method: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(url, { method, agent: keepAliveAgent, headers: { ...headers, ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export type StreamHandlers = {
  onResponse(res: IncomingMessage): void;
  onData(chunk: string): void;
  onEnd(): void;
  onError(error: Error): void;
};

/** Opens a long response on its own connection (not pooled): `destroy()` on the result drops it. */
export function openStream(method: string, url: string, body: unknown, headers: Record<string, string>, handlers: StreamHandlers): ClientRequest {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const req = request(url, { method, agent: false, headers: { ...headers, ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}) } }, (res) => {
    handlers.onResponse(res);
    res.setEncoding('latin1');
    res.on('data', handlers.onData);
    res.on('end', handlers.onEnd);
    res.on('error', handlers.onError);
  });
  req.on('error', handlers.onError);
  req.end(payload);
  return req;
}

/**
 * Cuts a text/event-stream body into whole frames (ending in a blank line); a frame cut by a chunk
 * boundary waits for the rest. `consumed` counts the characters of whole frames handed out, this one
 * included.
 */
export class SseFrames {
  #carry = '';
  consumed = 0;

  push(chunk: string, onFrame: (frame: string) => void): void {
    const text = this.#carry + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n\n', start);
      if (end < 0) break;
      this.consumed += end + 2 - start;
      onFrame(text.slice(start, end));
      start = end + 2;
    }
    this.#carry = text.slice(start);
  }

  reset(consumed: number): void {
    this.#carry = '';
    this.consumed = consumed;
  }
}

/** The string value after `key` (which ends with the opening quote), up to the closing quote. */
export function stringAfter(text: string, key: string, from = 0): { value: string; end: number } | undefined {
  const at = text.indexOf(key, from);
  if (at < 0) return undefined;
  const start = at + key.length;
  const end = text.indexOf('"', start);
  if (end < 0) return undefined;
  return { value: text.slice(start, end), end: end + 1 };
}
