import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type CallToolResult, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../util/logger.ts';
import { formatBytes } from '../utf8-truncate.ts';
import type { McpServerSettings } from './mcp-config.ts';

export type McpConnectionOptions = {
  settings: McpServerSettings;
  /** Where a stdio server runs: the project's directory. */
  cwd: string;
  logger: Logger;
  clientVersion: string;
  /** Told once when the connection ends for any reason (the process exited, `close()`). */
  onClosed?: () => void;
};

/** Bounds on what one server may hand us. */
export const maxToolsPerServer = 128;
const maxDescriptionChars = 2_000;
const maxStdioMessageBytes = 16 * 1024 * 1024;
const stderrTailChars = 2_000;

/**
 * One live session with one MCP server (a stdio process, or a Streamable HTTP session) through the
 * official SDK client. Every request is bounded by the server's timeouts and honours the caller's
 * signal; when the server goes away, pending requests fail at once (the SDK rejects them on close)
 * and `closed` tells the pool to start a fresh one next time.
 */
export class McpConnection {
  readonly settings: McpServerSettings;
  readonly #client: Client;
  readonly #transport: Transport;
  readonly #logger: Logger;
  #stderrTail = '';
  #tools: McpTool[] | undefined;
  #closed = false;
  #closedByUs = false;
  #ready = false;
  readonly #onClosed: (() => void) | undefined;
  /** Calls in flight: a busy connection is not closed as idle or evicted. */
  inFlight = 0;
  lastUsedAt = 0;

  private constructor(options: McpConnectionOptions, transport: Transport) {
    this.settings = options.settings;
    this.#logger = options.logger;
    this.#transport = transport;
    this.#onClosed = options.onClosed;
    this.#client = new Client(
      { name: 'confab', version: options.clientVersion },
      { listChanged: { tools: { autoRefresh: false, onChanged: () => (this.#tools = undefined) } } },
    );
    this.#client.onclose = () => this.#markClosed();
    // Transport errors also surface as failed requests; kept out of the model's sight, logged here.
    this.#client.onerror = (error) => this.#logger.warn('MCP server transport error', { server: this.settings.name, error: error.message });
  }

  /** Starts the server (or opens the HTTP session) and completes the MCP handshake, within `startupTimeoutMs`. */
  static async open(options: McpConnectionOptions, signal?: AbortSignal): Promise<McpConnection> {
    const transport = createTransport(options.settings, options.cwd);
    const connection = new McpConnection(options, transport);
    if (transport instanceof StdioClientTransport) {
      transport.stderr?.on('data', (chunk: Buffer) => {
        connection.#stderrTail = (connection.#stderrTail + chunk.toString('utf8')).slice(-stderrTailChars);
      });
    }
    try {
      await connection.#client.connect(transport, { timeout: options.settings.startupTimeoutMs, signal });
    } catch (error) {
      const reason = connection.#failure(error, 'start');
      await connection.close();
      throw new McpUnavailableError(reason, connection.#stderrTail);
    }
    connection.#ready = true;
    return connection;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stderrTail(): string {
    return this.#stderrTail;
  }

  /** The server's tools (cached; a `tools/list_changed` notification drops the cache). */
  async listTools(signal?: AbortSignal): Promise<McpTool[]> {
    if (this.#tools) return this.#tools;
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await this.#client.listTools(cursor === undefined ? {} : { cursor }, { timeout: this.settings.startupTimeoutMs, signal });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor !== undefined && tools.length < maxToolsPerServer);
    } catch (error) {
      throw new McpUnavailableError(this.#failure(error, 'list'), this.#stderrTail);
    }
    if (tools.length > maxToolsPerServer) {
      this.#logger.warn('MCP server lists more tools than offered to models; the rest are left out', { server: this.settings.name, listed: tools.length, offered: maxToolsPerServer });
    }
    this.#tools = tools.slice(0, maxToolsPerServer).map((tool) => ({ ...tool, description: tool.description?.slice(0, maxDescriptionChars) }));
    return this.#tools;
  }

  /** The cached tool list, without asking the server. */
  get cachedTools(): McpTool[] | undefined {
    return this.#tools;
  }

  /**
   * Calls a tool and returns what the model reads. Throws an Error whose message is safe for the
   * model: the tool's own error text (`isError` results), or what went wrong with the server.
   */
  async callTool(toolName: string, args: Record<string, unknown>, signal: AbortSignal): Promise<string> {
    this.inFlight++;
    let result: CallToolResult;
    try {
      result = (await this.#client.callTool({ name: toolName, arguments: args }, undefined, { timeout: this.settings.callTimeoutMs, signal })) as CallToolResult;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const message = this.#failure(error, 'call');
      // Not an answer from the server (a JSON-RPC error has a negative code) but a broken session
      // (an HTTP server that restarted, or is gone): dropped, so the next use opens a new one.
      const code = (error as { code?: unknown })?.code;
      if (!(typeof code === 'number' && code < 0)) void this.close();
      throw new Error(message);
    } finally {
      this.inFlight--;
    }
    const text = resultText(result);
    if (result.isError) throw new Error(text || `The MCP tool ${toolName} failed without saying why.`);
    return text;
  }

  /** Ends the session: a stdio server's stdin is closed, then SIGTERM, then SIGKILL (the SDK's sequence). */
  async close(): Promise<void> {
    if (this.#closedByUs) return;
    this.#closedByUs = true;
    // Unusable from now on: the pool drops it at once, so no new call lands on a closing session.
    this.#markClosed();
    if (this.#transport instanceof StreamableHTTPClientTransport && this.#transport.sessionId !== undefined) {
      await Promise.race([this.#transport.terminateSession().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    }
    await this.#client.close().catch(() => {});
  }

  #markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ready && !this.#closedByUs) {
      this.#logger.warn('MCP server went away', { server: this.settings.name, stderr: this.#stderrTail.slice(-500) || undefined });
    }
    this.#onClosed?.();
  }

  /** A message for the model (and the log) saying what went wrong, never the server's stack. */
  #failure(error: unknown, during: 'start' | 'list' | 'call'): string {
    const server = `The MCP server "${this.settings.name}"`;
    const code = (error as { code?: unknown })?.code;
    const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
    if (code === ErrorCode.RequestTimeout) {
      if (during === 'call') return `${server} did not finish the tool call within ${seconds(this.settings.callTimeoutMs)}.`;
      return `${server} did not answer within ${seconds(this.settings.startupTimeoutMs)} (${during === 'start' ? 'starting up' : 'listing its tools'}).`;
    }
    if (code === 'ENOENT') return `${server} could not be started: command not found.`;
    if (code === ErrorCode.ConnectionClosed) {
      const how = this.settings.transport.kind === 'stdio' ? 'its process exited' : 'it closed the connection';
      return during === 'call' ? `${server} stopped while running the tool (${how}).` : `${server} could not be started (${how}).`;
    }
    if (typeof code === 'number' && code > 0) {
      // The SDK's StreamableHTTPError carries the HTTP status; its message quotes the body, not shown.
      const what = code === 404 && during === 'call' ? ' (it no longer knows the session: it may have restarted; the next call opens a new one)' : '';
      return `${server} answered HTTP ${code}${what}.`;
    }
    const cause = (error as { cause?: { code?: unknown } })?.cause?.code;
    if (cause === 'ECONNREFUSED') return `${server} could not be reached: nothing is listening at its URL.`;
    const message = error instanceof Error ? error.message : String(error);
    if (during === 'call') return `${server} refused the call: ${message}`;
    return `${server} could not be ${during === 'start' ? 'started' : 'asked for its tools'}: ${message}`;
  }
}

/** A server that cannot be used now; its message is safe to show to the model and the user. */
export class McpUnavailableError extends Error {
  readonly stderrTail: string;
  constructor(message: string, stderrTail = '') {
    super(message);
    this.name = 'McpUnavailableError';
    this.stderrTail = stderrTail;
  }
}

function createTransport(settings: McpServerSettings, cwd: string): Transport {
  const { transport } = settings;
  if (transport.kind === 'http') {
    return new StreamableHTTPClientTransport(new URL(transport.url), { requestInit: { headers: transport.headers } });
  }
  // The SDK passes only a safe set of the parent's variables (HOME, PATH, …) plus `env`: the
  // server's provider keys and token never reach an MCP server.
  return new StdioClientTransport({ command: transport.command, args: transport.args, env: transport.env, cwd, stderr: 'pipe', maxBufferSize: maxStdioMessageBytes });
}

/** The model reads text: text parts as they are; other content named, not inlined. */
function resultText(result: CallToolResult): string {
  const parts: string[] = [];
  for (const item of result.content ?? []) {
    switch (item.type) {
      case 'text':
        parts.push(item.text);
        break;
      case 'image':
      case 'audio':
        parts.push(`[${item.type} ${item.mimeType}, ${formatBytes(Math.floor((item.data.length * 3) / 4))}, not shown]`);
        break;
      case 'resource':
        parts.push('text' in item.resource ? item.resource.text : `[resource ${item.resource.uri}, ${item.resource.mimeType ?? 'binary'}, not shown]`);
        break;
      case 'resource_link':
        parts.push(`[resource link: ${item.uri}]`);
        break;
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}
