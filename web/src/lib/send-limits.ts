/**
 * The server's limits on one message, checked before sending so that a huge paste is refused here
 * with the server's own words, and never travels. The numbers come from `GET /v1/limits` (the app
 * store loads them); `sendLimits` are the server's defaults (`src/engine/hub-options.ts`, a test
 * keeps them equal), for a server without that endpoint.
 */
import type { ContextInput } from 'confab/client';

type MessageLimits = { maxMessageChars: number; maxContextBytes: number; maxContextParts: number };

export const sendLimits: MessageLimits = { maxMessageChars: 100_000, maxContextBytes: 256 * 1024, maxContextParts: 20 };

/** Why the server would refuse this message for its size, in its words; null when it fits. */
export function sendSizeProblem(content: string, context: readonly ContextInput[], limits: MessageLimits = sendLimits): string | null {
  if (content.length > limits.maxMessageChars) return `The message has ${content.length} characters; the limit is ${limits.maxMessageChars}.`;
  if (context.length > limits.maxContextParts) return `The message has ${context.length} context attachments; the limit is ${limits.maxContextParts}.`;
  let bytes = 0;
  for (const item of context) bytes += item.content === undefined ? 0 : new TextEncoder().encode(item.content).length;
  if (bytes > limits.maxContextBytes) return `Attached context is over the ${formatBytes(limits.maxContextBytes)} limit`;
  return null;
}

/** As the server words a byte count (src/tools/utf8-truncate.ts). */
function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
