/**
 * The SSE side shared by the AI SDK and LangGraph adapters: one HTTP response per watcher, read as
 * whole frames; `readDelta` cuts the token text out of a frame, `readPosition` the resume position.
 * A response that ends finishes the watcher, unless the bench dropped it on purpose.
 */
import type { ClientRequest } from 'node:http';
import { openStream, SseFrames } from '../http-request.ts';
import { recordError, type ClientStats, type Watcher } from '../watcher.ts';

export type SseDialect = {
  /** Calls `onDelta` for every token text in the frame. */
  readDeltas(frame: string, onDelta: (delta: string) => void): void;
  /** The resume position after this frame, or undefined to keep the current one. */
  readPosition(frame: string, frames: SseFrames): string | undefined;
};

export type SseWatch = {
  /** Opens the response; resolves with its headers once the status is known (rejects on an error status). */
  open(watcher: Watcher, method: string, url: string, body: unknown, headers: Record<string, string>, consumed?: number): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>;
  drop(watcher: Watcher): void;
  close(): void;
};

export function sseWatch(stats: ClientStats, dialect: SseDialect): SseWatch {
  const requests = new Map<Watcher, ClientRequest>();

  return {
    open(watcher, method, url, body, headers, consumed = 0) {
      return new Promise((resolve, reject) => {
        const frames = new SseFrames();
        frames.reset(consumed);
        let dropped = false;
        const onDelta = (delta: string) => watcher.onDelta(delta);
        const req = openStream(method, url, body, headers, {
          onResponse(res) {
            const status = res.statusCode ?? 0;
            if (status === 200) return resolve({ status, headers: res.headers });
            dropped = true;
            res.resume();
            resolve({ status, headers: res.headers });
          },
          onData(chunk) {
            frames.push(chunk, (frame) => {
              stats.frames++;
              dialect.readDeltas(frame, onDelta);
              const position = dialect.readPosition(frame, frames);
              if (position !== undefined) watcher.position = position;
            });
          },
          onEnd() {
            if (!dropped && requests.get(watcher) === req) watcher.finish();
          },
          onError(error) {
            if (requests.get(watcher) !== req) return;
            recordError(stats, `stream: ${error.message}`);
            reject(error);
          },
        });
        requests.set(watcher, req);
        req.on('close', () => {
          if (requests.get(watcher) !== req) dropped = true;
        });
      });
    },
    drop(watcher) {
      const req = requests.get(watcher);
      requests.delete(watcher);
      req?.destroy();
    },
    close() {
      for (const req of requests.values()) req.destroy();
      requests.clear();
    },
  };
}
