/**
 * WebSocket text frames (RFC 6455 §5.2) as the server sends them: final, unmasked, no extension
 * bits (the gateway turns permessage-deflate off), every frame of a batch in one buffer, so a
 * socket gets one `write` per batch. `ws` would write each frame as two buffers (header, payload)
 * through the stream machinery twice per frame: under load that is most frames a socket gets,
 * one event at a time.
 */

const finText = 0x81;

/** Header bytes for a payload of `length` bytes: 2, 4 (16-bit length) or 10 (64-bit length). */
function headerLength(length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10;
}

/** The frames carrying each payload (UTF-8 JSON), in order, in one buffer. */
export function textFrames(payloads: readonly Buffer[]): Buffer {
  let size = 0;
  for (const payload of payloads) size += headerLength(payload.length) + payload.length;
  const frames = Buffer.allocUnsafe(size);
  let at = 0;
  for (const payload of payloads) {
    const length = payload.length;
    frames[at] = finText;
    if (length < 126) {
      frames[at + 1] = length;
      at += 2;
    } else if (length < 65_536) {
      frames[at + 1] = 126;
      frames.writeUInt16BE(length, at + 2);
      at += 4;
    } else {
      frames[at + 1] = 127;
      frames.writeUInt32BE(Math.floor(length / 2 ** 32), at + 2);
      frames.writeUInt32BE(length >>> 0, at + 6);
      at += 10;
    }
    at += payload.copy(frames, at);
  }
  return frames;
}
