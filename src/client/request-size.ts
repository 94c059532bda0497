import { ConfabClientError } from './client-error.ts';

/**
 * The largest request the client sends, as a WebSocket frame or a REST body: the server's defaults
 * (`wsMaxPayloadBytes` and `maxBodyBytes` in src/server/server-limits.ts, both 1 MiB; a test keeps
 * them equal). Past it the server would drop the socket carrying every watched conversation (close
 * 1009), or answer 413 and close the connection, so such a request is refused before it is sent.
 */
export const defaultMaxRequestBytes = 1024 * 1024;

/** UTF-8 length of `text` without encoding it (a surrogate pair counts 4). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) continue;
    bytes += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/** Throws `payload_too_large` (a client error: nothing was sent) when `body` is over `maxBytes`. */
export function checkRequestSize(body: string, maxBytes: number, what: string): void {
  // Most requests are far below the bound: no need to count their bytes.
  if (body.length * 3 <= maxBytes) return;
  const bytes = utf8Length(body);
  if (bytes <= maxBytes) return;
  throw new ConfabClientError(
    'payload_too_large',
    `The ${what} is too large to send: ${formatBytes(bytes)}, and the server accepts at most ${formatBytes(maxBytes)} in one request. Nothing was sent.`,
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
