/** Bounds the server enforces, each with a default. Pass a `Partial<ServerLimits>` to `startServer`. */
export type ServerLimits = {
  /** Bytes in one request body; more is 413 `payload_too_large`. */
  maxBodyBytes: number;
  /** Interval of the `: keep-alive` comment on SSE streams. */
  sseKeepAliveMs: number;
  /** Bytes in one WebSocket frame from a client; more closes the socket with 1009. */
  wsMaxPayloadBytes: number;
  /** Malformed frames a socket may send; one more closes it with 1008. */
  wsMaxMalformedFrames: number;
  /** Conversations one socket may subscribe to at once; more is an `error` frame `rate_limited`. */
  wsMaxSubscriptions: number;
  /** Interval of server pings; a socket that did not answer the previous ping is dropped. */
  wsPingIntervalMs: number;
  /** Bytes queued on a socket above which no more events are drained until it empties. */
  wsHighWaterBytes: number;
  /** Commands one socket may have running at once; at the bound the socket is not read until one ends. */
  wsMaxCommandsInFlight: number;
  /** Replies (ack, error, pong) waiting on a socket over its high-water mark; one more closes it with 1008. */
  wsMaxPendingReplies: number;
  /** How soon a socket over its high-water mark is looked at again (besides its `drain` event). */
  wsBackpressureRetryMs: number;
  /** SSE streams plus WebSocket sockets open at once per token; more is 429 `rate_limited`. */
  maxStreamsPerToken: number;
  /** Time a client has to send the request line and headers; then `408 request_timeout` and the socket is closed. */
  headersTimeoutMs: number;
  /**
   * Time a client has to send the whole request, body included (at least `headersTimeoutMs`); then
   * `408 request_timeout`. Covers receiving the request only: SSE streams and WebSockets live on.
   */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** On close, how long WebSocket peers get to finish the closing handshake before being cut. */
  shutdownGraceMs: number;
};

export const defaultServerLimits: ServerLimits = {
  maxBodyBytes: 1024 * 1024,
  sseKeepAliveMs: 15_000,
  wsMaxPayloadBytes: 1024 * 1024,
  wsMaxMalformedFrames: 20,
  wsMaxSubscriptions: 100,
  wsPingIntervalMs: 30_000,
  wsHighWaterBytes: 1024 * 1024,
  wsMaxCommandsInFlight: 64,
  wsMaxPendingReplies: 1_000,
  wsBackpressureRetryMs: 25,
  maxStreamsPerToken: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  shutdownGraceMs: 1_000,
};
