/**
 * The test MCP server (mcp-test-server.ts) over stdio: `node test/peers/mcp-stdio-server.ts`.
 * With `MCP_TEST_START_LOG` set, appends a line per start to that file (to count processes).
 * With `MCP_TEST_EXIT_AT_START` set, exits with code 2 before speaking (a server that cannot start).
 * With `MCP_TEST_SILENT_AT_START` set, never answers the handshake (a server that hangs).
 */
import { appendFileSync } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createTestMcpServer } from './mcp-test-server.ts';

if (process.env.MCP_TEST_START_LOG) appendFileSync(process.env.MCP_TEST_START_LOG, `${process.pid} ${process.cwd()}\n`);
if (process.env.MCP_TEST_EXIT_AT_START) {
  process.stderr.write('fatal: missing widget configuration\n');
  process.exit(2);
}
if (process.env.MCP_TEST_SILENT_AT_START) {
  setInterval(() => {}, 1_000);
} else {
  await createTestMcpServer({ canExit: true }).connect(new StdioServerTransport());
}
