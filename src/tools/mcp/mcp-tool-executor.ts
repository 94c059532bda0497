import { z } from 'zod';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolSpec } from '../../providers/stream-part.ts';
import { silentLogger, type Logger } from '../../util/logger.ts';
import type { Tool, ToolContext, ToolScope } from '../tool.ts';
import { ToolRegistry, type ToolCallRequest, type ToolExecution } from '../tool-registry.ts';
import type { McpServerSettings } from './mcp-config.ts';
import type { McpConnection } from './mcp-connection.ts';
import { namespacedToolName, serverOfToolName } from './mcp-names.ts';
import type { McpPool } from './mcp-pool.ts';

export type McpToolExecutorOptions = {
  /** The built-in tools (project tools); their names win over any MCP tool's. */
  registry: ToolRegistry;
  pool: McpPool;
  logger?: Logger;
  /** Cap on one call's output, as the registry's. */
  maxOutputBytes?: number;
};

/**
 * The engine's ToolExecutor for a server with MCP servers: the registry's tools, plus, per project,
 * the tools of the MCP servers it uses, named `server__tool`. A server that cannot be started is
 * left out of the run's tools (and logged); a call to a server that has gone away or times out is
 * an error result naming the server, never a hung run. MCP tools need a person's approval unless
 * their server says otherwise (`requireApproval`, `trustedTools`).
 */
export class McpToolExecutor {
  readonly #registry: ToolRegistry;
  readonly #pool: McpPool;
  readonly #logger: Logger;
  readonly #maxOutputBytes: number | undefined;
  /** Each session's tools as a registry (validation, output bounds and error results as for built-in tools). */
  readonly #registries = new WeakMap<McpConnection, { listed: McpTool[]; registry: ToolRegistry }>();

  constructor(options: McpToolExecutorOptions) {
    this.#registry = options.registry;
    this.#pool = options.pool;
    this.#logger = options.logger ?? silentLogger;
    this.#maxOutputBytes = options.maxOutputBytes;
  }

  async specs(scope?: ToolScope, signal?: AbortSignal): Promise<ToolSpec[]> {
    const builtIn = this.#registry.specs();
    if (!scope) return builtIn;
    const taken = new Set(builtIn.map((spec) => spec.name));
    const lists = await Promise.all(
      this.#pool.servers(scope).map(async (server) => {
        try {
          return (await this.#serverTools(server, scope, signal)).specs();
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          // Logged by the pool; the run goes on with the tools it has.
          return [];
        }
      }),
    );
    return [...builtIn, ...lists.flat().filter((spec) => !taken.has(spec.name))];
  }

  needsApproval(toolName: string, scope?: ToolScope): boolean {
    if (this.#registry.get(toolName) || !scope) return this.#registry.needsApproval(toolName);
    const server = this.#serverOf(toolName, scope);
    if (!server) return false;
    const connection = this.#pool.cached(server, scope);
    const registry = connection && this.#registryOf(connection, server);
    // Not listed yet: the server's default, the safe side.
    return registry?.get(toolName)?.needsApproval ?? server.requireApproval;
  }

  async execute(call: ToolCallRequest, context: ToolContext): Promise<ToolExecution> {
    const scope = context.projectName === undefined ? undefined : { projectName: context.projectName, projectRoot: context.projectRoot };
    const server = this.#registry.get(call.toolName) || !scope ? undefined : this.#serverOf(call.toolName, scope);
    if (!server || !scope) return this.#registry.execute(call, context);
    let registry: ToolRegistry;
    try {
      registry = await this.#serverTools(server, scope, context.signal);
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      return { output: (error as Error).message, isError: true };
    }
    return registry.execute(call, context);
  }

  /** Ends every MCP session (their processes exit). */
  close(): Promise<void> {
    return this.#pool.close();
  }

  #serverOf(toolName: string, scope: ToolScope): McpServerSettings | undefined {
    const servers = this.#pool.servers(scope);
    const name = serverOfToolName(toolName, servers.map((server) => server.name));
    return servers.find((server) => server.name === name);
  }

  async #serverTools(server: McpServerSettings, scope: ToolScope, signal: AbortSignal | undefined): Promise<ToolRegistry> {
    const connection = await this.#pool.connection(server, scope, signal);
    await connection.listTools(signal);
    return this.#registryOf(connection, server)!;
  }

  #registryOf(connection: McpConnection, server: McpServerSettings): ToolRegistry | undefined {
    const listed = connection.cachedTools;
    if (!listed) return undefined;
    const known = this.#registries.get(connection);
    if (known?.listed === listed) return known.registry;
    const registry = new ToolRegistry({ maxOutputBytes: this.#maxOutputBytes });
    for (const tool of listed) {
      const wrapped = toTool(tool, server, connection);
      if (registry.get(wrapped.name)) {
        this.#logger.warn('MCP server lists a tool twice; the second is left out', { server: server.name, tool: tool.name });
        continue;
      }
      registry.register(wrapped);
    }
    this.#registries.set(connection, { listed, registry });
    return registry;
  }
}

const ArgumentsSchema = z.record(z.string(), z.unknown());

function toTool(tool: McpTool, server: McpServerSettings, connection: McpConnection): Tool<Record<string, unknown>> {
  const { $schema: _ignored, ...schema } = tool.inputSchema as Record<string, unknown>;
  return {
    name: namespacedToolName(server.name, tool.name),
    description: tool.description || tool.title || `The ${tool.name} tool of the MCP server ${server.name}.`,
    input: ArgumentsSchema,
    inputSchema: { ...schema, type: 'object', properties: schema.properties ?? {} },
    needsApproval: server.requireApproval && !server.trustedTools.includes(tool.name),
    // The session the tool was listed on: if it has gone away, the call fails saying so.
    execute: (input, context) => connection.callTool(tool.name, input, context.signal),
  };
}
