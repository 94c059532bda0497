import { randomBytes } from 'node:crypto';

/**
 * Generates entity ids: a prefix, a time component and randomness, e.g. `conv_01kf3z8x2m9q4w7e`.
 * Ids sort roughly by creation time, which makes listings and logs readable; ordering that matters
 * (events) never relies on them: events carry an integer `seq`.
 */
export type IdGenerator = (prefix: IdPrefix) => string;
export type IdPrefix = 'conv' | 'msg' | 'run' | 'part' | 'call' | 'log' | 'appr';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

export function createIdGenerator(options: { now?: () => number; random?: (bytes: number) => Uint8Array } = {}): IdGenerator {
  const now = options.now ?? Date.now;
  const random = options.random ?? ((n: number) => randomBytes(n));
  return (prefix) => {
    let time = now();
    let timePart = '';
    for (let i = 0; i < 9; i++) {
      timePart = alphabet[time % 32] + timePart;
      time = Math.floor(time / 32);
    }
    const bytes = random(8);
    let randomPart = '';
    for (const byte of bytes) randomPart += alphabet[byte % 32];
    return `${prefix}_${timePart}${randomPart}`;
  };
}

/** Deterministic ids for tests: `msg_1`, `msg_2`, … per prefix. */
export function createSequentialIds(): IdGenerator {
  const counters = new Map<string, number>();
  return (prefix) => {
    const next = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, next);
    return `${prefix}_${next}`;
  };
}
