/**
 * How a streamed token carries the time it was due, so every client can measure latency against
 * the upstream's schedule (not against when it happened to be sent: no coordinated omission).
 *
 * The first 4 characters of every token are 24 bits in the base64url alphabet:
 *   bits 23..16  the token's index in its stream, modulo 256 (gaps and duplicates show up)
 *   bits 15..0   the due time in whole milliseconds (wall clock), modulo 65,536
 * A token longer than 4 characters is padded with `.`; a delta may hold several whole tokens.
 * The modulo makes the due time ambiguous past 65.5 s: the reader assumes the token is at most
 * ~61 s late (or ~4 s early, for clock noise), which every time-bounded step satisfies.
 * The alphabet needs no JSON escaping, so a reader can cut the delta out of a frame with indexOf.
 */
export const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export const codeLength = 4;

const values = new Int8Array(128).fill(-1);
for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function encodeToken(index: number, dueMs: number, size: number): string {
  const bits = ((index & 0xff) << 16) | (Math.round(dueMs) & 0xffff);
  let token = alphabet[(bits >> 18) & 63] + alphabet[(bits >> 12) & 63] + alphabet[(bits >> 6) & 63] + alphabet[bits & 63];
  if (size > codeLength) token += '.'.repeat(size - codeLength);
  return token;
}

/** The 24 bits of the token starting at `offset`, or -1 when those characters are not a token code. */
export function decodeBits(text: string, offset: number): number {
  let bits = 0;
  for (let i = 0; i < codeLength; i++) {
    const code = text.charCodeAt(offset + i);
    const value = code < 128 ? values[code] : -1;
    if (value < 0) return -1;
    bits = (bits << 6) | value;
  }
  return bits;
}

export function indexOfBits(bits: number): number {
  return bits >> 16;
}

/** How late (ms) a token with these bits is at `now`; negative when it arrived before it was due. */
export function latencyOfBits(bits: number, now: number): number {
  const due16 = bits & 0xffff;
  const whole = Math.floor(now);
  let behind = (whole - due16) & 0xffff;
  if (behind > 0xf000) behind -= 0x10000;
  return now - (whole - behind);
}
