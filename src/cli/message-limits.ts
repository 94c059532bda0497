import { ConfabClientError, type ConfabClient, type RequestLimits } from '../client/index.ts';
import { CliError } from './cli-args.ts';

/**
 * The server's request limits (`GET /v1/limits`), so a message that would be refused is caught
 * before a conversation (or project) is created for it. The server stays the one source of the
 * numbers; null from a server without the endpoint (its own check still refuses the send).
 */
export async function fetchLimits(client: ConfabClient): Promise<RequestLimits | null> {
  try {
    return await client.limits();
  } catch (error) {
    if (ConfabClientError.is(error, 'not_found')) return null;
    throw error;
  }
}

/** Throws a CliError when `content` or its attachments exceed `limits`; `what` names it ("question", "message"). */
export function checkMessage(limits: RequestLimits | null, what: string, content: string, contextParts = 0): void {
  if (limits === null) return;
  // `length` in UTF-16 code units: what the server counts.
  if (content.length > limits.maxMessageChars) {
    throw new CliError(`the ${what} has ${content.length} characters; the server's limit is ${limits.maxMessageChars}. Nothing was sent.`);
  }
  if (contextParts > limits.maxContextParts) {
    throw new CliError(`the ${what} has ${contextParts} attachments; the server's limit is ${limits.maxContextParts}. Nothing was sent (/context clear drops them).`);
  }
}
