import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamRegistry } from '../stream-registry.ts';
import { SseStream, type SseEncoder, type SseSource } from './sse-stream.ts';

export type ServeSseOptions<E, S extends SseSource<E>> = {
  req: IncomingMessage;
  res: ServerResponse;
  streams: StreamRegistry;
  token: string;
  keepAliveMs: number;
  /** Opens what the stream drains (a conversation subscription, a catalog watch); its errors are the route's. */
  open: () => Promise<S>;
  encode?: SseEncoder<E, S>;
};

/**
 * Answers a request with a long-lived SSE stream: reserves a slot against the token's stream cap,
 * opens the source, and streams it until either side goes away (the slot is released then). A
 * client gone while the source opened gets nothing, and holds nothing.
 */
export async function serveSse<E, S extends SseSource<E>>(options: ServeSseOptions<E, S>): Promise<undefined> {
  const { req, res, streams } = options;
  const release = streams.reserve(options.token);
  let source: S;
  try {
    source = await options.open();
  } catch (error) {
    release();
    throw error;
  }
  if (res.destroyed || req.socket.destroyed) {
    source.close();
    release();
    return undefined;
  }
  const stream = new SseStream<E, S>({
    res,
    subscription: source,
    keepAliveMs: options.keepAliveMs,
    encode: options.encode,
    onClose: (closed) => {
      streams.delete(closed);
      release();
    },
  });
  streams.add(stream);
  return undefined;
}
