/**
 * A WebSocket test client (the `ws` package, so it can send headers such as Authorization and
 * Origin) that records every server frame.
 *
 *   const client = await connectWs(server.url, server.authHeaders);
 *   const ack = await client.request({ type: 'subscribe', conversationId });   // adds an id, awaits ack/error
 *   await client.waitFor((frame) => frame.type === 'run-completed');
 *   client.close();
 *
 * `tryUpgrade` reports the HTTP status of a refused upgrade instead of throwing.
 */
import { WebSocket } from 'ws';

export type WsClient = {
  socket: WebSocket;
  /** Every frame received, parsed. */
  frames: any[];
  /** Event frames (they have a `seq`), optionally of one conversation. */
  events(conversationId?: string): any[];
  send(frame: unknown): void;
  sendRaw(data: string | Buffer): void;
  /** Sends `frame` with a fresh `id` and resolves with the ack, error or pong carrying that id. */
  request(frame: Record<string, unknown>, timeoutMs?: number): Promise<any>;
  waitFor(predicate: (frame: any) => boolean, timeoutMs?: number): Promise<any>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
};

let nextId = 1;

export function toWsUrl(httpUrl: string, query = '', path = '/v1/ws'): string {
  return `${httpUrl.replace(/^http/, 'ws')}${path}${query}`;
}

export function connectWs(httpUrl: string, headers: Record<string, string> = {}, options: { query?: string; maxPayload?: number; autoPong?: boolean } = {}): Promise<WsClient> {
  // Only defined options: ws spreads them over its defaults, so an undefined would switch one off.
  const socket = new WebSocket(toWsUrl(httpUrl, options.query), {
    headers,
    ...(options.maxPayload !== undefined ? { maxPayload: options.maxPayload } : {}),
    ...(options.autoPong !== undefined ? { autoPong: options.autoPong } : {}),
  });
  const frames: any[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (data) => {
    frames.push(JSON.parse(data.toString()));
    for (const listener of [...listeners]) listener();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const waitFor = (predicate: (frame: any) => boolean, timeoutMs = 15_000) =>
    new Promise<any>((resolve, reject) => {
      const found = frames.find(predicate);
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for a frame; got: ${frames.map((frame) => frame.type).join(', ')}`));
      }, timeoutMs);
      const check = () => {
        const match = frames.find(predicate);
        if (!match) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve(match);
      };
      listeners.add(check);
    });
  const client: WsClient = {
    socket,
    frames,
    events: (conversationId) => frames.filter((frame) => typeof frame.seq === 'number' && (conversationId === undefined || frame.conversationId === conversationId)),
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendRaw: (data) => socket.send(data),
    request(frame, timeoutMs) {
      const id = `r${nextId++}`;
      socket.send(JSON.stringify({ ...frame, id }));
      return waitFor((reply) => reply.id === id && (reply.type === 'ack' || reply.type === 'error' || reply.type === 'pong'), timeoutMs);
    },
    waitFor,
    closed,
    close: () => socket.close(),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

/** Attempts an upgrade: `{ status: 101 }` when it opened (then closed), else the refusal's status and JSON body. */
export function tryUpgrade(httpUrl: string, headers: Record<string, string> = {}, query = '', path = '/v1/ws'): Promise<{ status: number; body?: any }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(toWsUrl(httpUrl, query, path), { headers });
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101 });
    });
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
    });
    socket.once('error', (error) => reject(error));
  });
}
