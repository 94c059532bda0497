/**
 * A raw SSE client for tests: keeps every byte the server sent (`raw`) so frames can be asserted
 * exactly, and parses `id:`/`data:` frames for convenience.
 *
 *   const sse = await openSse(`${server.url}/v1/conversations/${id}/events`, server.authHeaders);
 *   await sse.waitFor((event) => event.type === 'run-completed');
 *   sse.close();
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import type { ConfabEvent } from '../../src/events/definitions.ts';

export type SseFrame = { id?: string; data?: string; retry?: number; comment?: string };

export type SseConnection = {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received so far, as text. */
  raw(): string;
  frames(): SseFrame[];
  /** The `data:` of every frame, parsed. */
  events(): ConfabEvent[];
  waitFor(predicate: (event: ConfabEvent) => boolean, timeoutMs?: number): Promise<ConfabEvent>;
  waitForRaw(predicate: (raw: string) => boolean, timeoutMs?: number): Promise<void>;
  /** Calls `listener` as each chunk arrives (`raw()` already holds it), until the connection ends. */
  onData(listener: () => void): void;
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  close(): void;
};

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let raw = '';
      const listeners = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        for (const listener of [...listeners]) listener();
      });
      const ended = new Promise<void>((done) => {
        res.on('end', () => done());
        res.on('close', () => done());
      });
      const waitForRaw = (predicate: (text: string) => boolean, timeoutMs = 15_000) =>
        new Promise<void>((done, fail) => {
          if (predicate(raw)) return done();
          const timer = setTimeout(() => {
            listeners.delete(check);
            fail(new Error(`timed out waiting on the SSE stream; received:\n${raw}`));
          }, timeoutMs);
          const check = () => {
            if (!predicate(raw)) return;
            clearTimeout(timer);
            listeners.delete(check);
            done();
          };
          listeners.add(check);
        });
      const connection: SseConnection = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        raw: () => raw,
        frames: () => parseFrames(raw),
        events: () => parseFrames(raw).filter((frame) => frame.data !== undefined).map((frame) => JSON.parse(frame.data!) as ConfabEvent),
        async waitFor(predicate, timeoutMs = 15_000) {
          let found: ConfabEvent | undefined;
          await waitForRaw(() => (found = connection.events().find(predicate)) !== undefined, timeoutMs);
          return found!;
        },
        waitForRaw,
        onData: (listener) => void listeners.add(listener),
        ended,
        close: () => req.destroy(),
      };
      resolve(connection);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Complete frames only (those followed by a blank line). */
export function parseFrames(raw: string): SseFrame[] {
  const blocks = raw.split('\n\n');
  blocks.pop();
  return blocks.map((block) => {
    const frame: SseFrame = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) frame.comment = line.slice(1).trim();
      else if (line.startsWith('id: ')) frame.id = line.slice(4);
      else if (line.startsWith('data: ')) frame.data = line.slice(6);
      else if (line.startsWith('retry: ')) frame.retry = Number(line.slice(7));
    }
    return frame;
  });
}
