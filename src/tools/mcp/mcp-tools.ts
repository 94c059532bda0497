import type { Logger } from '../../util/logger.ts';
import { createProjectTools } from '../project/project-tools.ts';
import { ToolRegistry } from '../tool-registry.ts';
import type { McpConfig } from './mcp-config.ts';
import { McpPool, type McpPoolOptions } from './mcp-pool.ts';
import { McpToolExecutor } from './mcp-tool-executor.ts';

/**
 * The tools of a server whose config names MCP servers: the built-in project tools plus theirs.
 * Undefined when it names none (the hub's default tools then). Close it after the hub.
 */
export function createMcpTools(options: { config: McpConfig; clientVersion: string; logger?: Logger; pool?: Partial<McpPoolOptions> }): McpToolExecutor | undefined {
  const named = options.config.servers.length + Object.values(options.config.projects).reduce((sum, servers) => sum + servers.length, 0);
  if (named === 0) return undefined;
  const registry = new ToolRegistry();
  for (const tool of createProjectTools()) registry.register(tool);
  const pool = new McpPool({ ...options.pool, config: options.config, clientVersion: options.clientVersion, logger: options.logger });
  return new McpToolExecutor({ registry, pool, logger: options.logger });
}
