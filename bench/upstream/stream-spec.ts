/**
 * What one stream should look like, written into the user message so that every system under test
 * (Confab, the baselines) carries it to the upstream unchanged: `bench k=c17 n=500 r=50 s=4 b=1 f=0`.
 */
export type StreamSpec = {
  /** Names the stream; the upstream keeps its text under this key for the exact-text check. */
  key: string;
  /** Tokens in the stream. */
  tokens: number;
  /** Tokens per second. */
  rate: number;
  /** Characters per token (at least 4). */
  size: number;
  /** Tokens per burst: 1 is an even stream; B sends B tokens at once every B/rate seconds. */
  burst: number;
  /** Milliseconds from the request to the first token. */
  firstTokenMs: number;
  /**
   * When the client sent the request that started the stream (wall-clock ms), appended by the load
   * client as `t=…`. The schedule runs from there, so time the request spent in the system under
   * test before it reached the upstream (queueing, run start-up) counts as latency too.
   */
  sentAt?: number;
};

export const defaultSpec: Omit<StreamSpec, 'key'> = { tokens: 500, rate: 50, size: 4, burst: 1, firstTokenMs: 0 };

export function formatSpec(spec: StreamSpec): string {
  const sent = spec.sentAt === undefined ? '' : ` t=${Math.round(spec.sentAt)}`;
  return `bench k=${spec.key} n=${spec.tokens} r=${spec.rate} s=${spec.size} b=${spec.burst} f=${spec.firstTokenMs}${sent}`;
}

/** The start message as sent: stamped with the moment it leaves the client. */
export function stampSent(message: string, sentAt: number): string {
  return `${message} t=${Math.round(sentAt)}`;
}

/** The spec in a message text, or undefined when it carries none. */
export function parseSpec(text: string): StreamSpec | undefined {
  const at = text.lastIndexOf('bench k=');
  if (at < 0) return undefined;
  const fields = new Map<string, string>();
  for (const pair of text.slice(at + 6).split(/\s+/)) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const number = (name: string, fallback: number) => {
    const value = Number(fields.get(name));
    return Number.isFinite(value) ? value : fallback;
  };
  const key = fields.get('k');
  if (!key) return undefined;
  return {
    key,
    tokens: Math.max(1, Math.floor(number('n', defaultSpec.tokens))),
    rate: Math.max(0.1, number('r', defaultSpec.rate)),
    size: Math.max(4, Math.floor(number('s', defaultSpec.size))),
    burst: Math.max(1, Math.floor(number('b', defaultSpec.burst))),
    firstTokenMs: Math.max(0, number('f', defaultSpec.firstTokenMs)),
    sentAt: fields.has('t') ? number('t', 0) : undefined,
  };
}
