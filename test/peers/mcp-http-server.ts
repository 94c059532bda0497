/**
 * The test MCP server (mcp-test-server.ts) over Streamable HTTP on 127.0.0.1 (port 0), one
 * session per client (the SDK's stateful mode), at `<url>` = `http://127.0.0.1:<port>/mcp`.
 *
 *   const mcp = await startMcpHttpServer();     // { url, sessions(), requests, close() }
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createTestMcpServer } from './mcp-test-server.ts';

export type McpHttpServer = {
  url: string;
  /** Sessions open now (a client's DELETE or close ends one). */
  sessions(): number;
  /** Ends every session on the server side (as a restart would): clients' next requests get 404. */
  dropSessions(): Promise<void>;
  /** Headers of every request received, lower-cased. */
  requests: Array<Record<string, string | string[] | undefined>>;
  close(): Promise<void>;
};

export async function startMcpHttpServer(): Promise<McpHttpServer> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const requests: McpHttpServer['requests'] = [];
  const http = createServer(async (request, response) => {
    requests.push(request.headers);
    if (!request.url?.startsWith('/mcp')) {
      response.writeHead(404).end();
      return;
    }
    const sessionId = request.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void transports.set(id, created),
      });
      created.onclose = () => {
        if (created.sessionId) transports.delete(created.sessionId);
      };
      await createTestMcpServer({ canExit: false }).connect(created);
      transport = created;
    }
    await transport.handleRequest(request, response);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    sessions: () => transports.size,
    requests,
    async dropSessions() {
      await Promise.all([...transports.values()].map((transport) => transport.close()));
    },
    async close() {
      await Promise.all([...transports.values()].map((transport) => transport.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
