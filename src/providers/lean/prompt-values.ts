import type { AssistantPromptContent } from '../stream-part.ts';

/**
 * Pieces of a prompt every wire converts the same way `toAiSdkPrompt` does before an AI SDK
 * package sees them, so both paths start from the same values.
 */

/** The parts that are sent: empty text dropped, empty reasoning kept only with metadata (redacted thinking). */
export function sendable(content: AssistantPromptContent[]): AssistantPromptContent[] {
  return content.filter((part) => (part.type === 'text' ? part.text !== '' : part.type === 'reasoning' ? part.text !== '' || part.providerOptions !== undefined : true));
}

/** A tool result as `toToolOutput` makes it: a string goes as text, anything else as a JSON value. */
export type ToolResultValue = { kind: 'text'; isError: boolean; value: string } | { kind: 'json'; isError: boolean; value: unknown };

export function toolResultValue(output: unknown, isError: boolean): ToolResultValue {
  if (typeof output === 'string') return { kind: 'text', isError, value: output };
  if (output === undefined) return { kind: 'json', isError, value: null };
  try {
    return { kind: 'json', isError, value: JSON.parse(JSON.stringify(output)) };
  } catch {
    return { kind: 'json', isError, value: String(output) };
  }
}
