/** UTF-8 byte length of a string, without allocating a buffer. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * The longest prefix of `bytes` that is at most `maxBytes` long and does not cut a multi-byte
 * character in half (a cut character would decode as U+FFFD and look like corrupt data).
 */
export function utf8SafeCut(bytes: Uint8Array, maxBytes: number): number {
  if (bytes.length <= maxBytes) return bytes.length;
  let cut = Math.max(0, maxBytes);
  // Step back over continuation bytes (10xxxxxx) to the start of the character that straddles the cut.
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut;
}

/** `text` cut to at most `maxBytes` UTF-8 bytes on a character boundary. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3 || utf8Length(text) <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  return bytes.subarray(0, utf8SafeCut(bytes, maxBytes)).toString('utf8');
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
