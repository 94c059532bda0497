/**
 * The server's limits on one message (its defaults: `maxMessageChars`, `maxContextBytes` and
 * `maxContextParts` in src/engine/hub-options.ts; a test keeps them equal), checked before sending
 * so that a huge paste is refused here with the server's own words, and never travels.
 */
import type { ContextInput } from 'confab/client';

export const sendLimits = { maxMessageChars: 100_000, maxContextBytes: 256 * 1024, maxContextParts: 20 };

/** Why the server would refuse this message for its size, in its words; null when it fits. */
export function sendSizeProblem(content: string, context: readonly ContextInput[], limits = sendLimits): string | null {
  if (content.length > limits.maxMessageChars) return `The message has ${content.length} characters; the limit is ${limits.maxMessageChars}.`;
  if (context.length > limits.maxContextParts) return `The message has ${context.length} context attachments; the limit is ${limits.maxContextParts}.`;
  let bytes = 0;
  for (const item of context) bytes += item.content === undefined ? 0 : new TextEncoder().encode(item.content).length;
  if (bytes > limits.maxContextBytes) return `Attached context is over the ${limits.maxContextBytes / 1024} KiB limit`;
  return null;
}
