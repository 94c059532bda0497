export type ReconnectOptions = {
  /** Delay before the first reconnect attempt. */
  initialDelayMs: number;
  /** Upper bound of any delay. */
  maxDelayMs: number;
  /** Each attempt waits `factor` times longer than the one before. */
  factor: number;
  /** 0..1: each delay is shortened by a random share of up to this much, so clients do not reconnect in lockstep. */
  jitter: number;
  /** Attempts before giving up (status `closed` with an error). Unlimited by default. */
  maxAttempts?: number;
};

export const defaultReconnectOptions: Required<ReconnectOptions> = {
  initialDelayMs: 500,
  maxDelayMs: 15_000,
  factor: 2,
  jitter: 0.25,
  maxAttempts: Number.POSITIVE_INFINITY,
};

/** The wait before reconnect attempt `attempt` (1 for the first): `min(max, initial * factor^(attempt-1))`, less jitter. */
export function reconnectDelay(attempt: number, options: ReconnectOptions, random: () => number): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** Math.max(0, attempt - 1));
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter * random()));
}
