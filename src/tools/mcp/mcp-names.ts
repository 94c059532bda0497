import { createHash } from 'node:crypto';

/** The strictest providers' limit on a tool name (OpenAI: `^[a-zA-Z0-9_-]{1,64}$`). */
export const maxToolNameLength = 64;
export const namespaceSeparator = '__';

/**
 * The name the model sees for an MCP server's tool: `server__tool`. MCP allows tool names that
 * providers refuse (dots, slashes, up to 128 characters): such a name has the other characters
 * replaced by `_`, is cut to fit, and gets a short hash of the original so two names that clean up
 * alike stay distinct. Server names are at most 32 characters (mcp-config.ts), leaving room.
 */
export function namespacedToolName(serverName: string, toolName: string): string {
  const prefix = serverName + namespaceSeparator;
  const cleaned = toolName.replace(/[^A-Za-z0-9_-]/g, '_');
  if (cleaned === toolName && toolName.length > 0 && prefix.length + toolName.length <= maxToolNameLength) return prefix + toolName;
  const hash = createHash('sha256').update(toolName).digest('hex').slice(0, 8);
  return `${prefix}${cleaned.slice(0, maxToolNameLength - prefix.length - hash.length - 1)}_${hash}`;
}

/** The server a namespaced tool name belongs to, among `serverNames`, or undefined. */
export function serverOfToolName(toolName: string, serverNames: Iterable<string>): string | undefined {
  for (const name of serverNames) {
    if (toolName.startsWith(name + namespaceSeparator)) return name;
  }
  return undefined;
}
