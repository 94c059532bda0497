/**
 * A small, real MCP server built with the official SDK's server side, for the MCP tools tests.
 * `createTestMcpServer()` gives an `McpServer` with these tools:
 *
 * - `echo {text}`: returns the text.
 * - `add {a, b}`: returns the sum as text.
 * - `where {}`: returns `{"cwd": …, "pid": …}` (the process's directory and id: which project, which process).
 * - `fail {}`: an error result (`isError`) with the text "the widget is broken".
 * - `slow {ms}`: answers after `ms` milliseconds (or when cancelled).
 * - `crash {}`: the process exits with code 3 before answering (stdio only; over HTTP it throws).
 * - `read.notes {}`: a name that providers refuse (the dot), answering "notes".
 *
 * `mcp-stdio-server.ts` serves it over stdio (a script to spawn); `startMcpHttpServer()` in
 * `mcp-http-server.ts` over Streamable HTTP on 127.0.0.1.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

export function createTestMcpServer(options: { canExit: boolean }): McpServer {
  const server = new McpServer({ name: 'confab-test-mcp', version: '1.0.0' });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  server.registerTool('echo', { description: 'Echoes the text back.', inputSchema: { text: z.string() } }, async ({ text: value }) => text(value));
  server.registerTool('add', { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => text(String(a + b)));
  server.registerTool('where', { description: 'Says where the server runs.' }, async () => text(JSON.stringify({ cwd: process.cwd(), pid: process.pid })));
  server.registerTool('fail', { description: 'Always fails.' }, async () => ({ content: [{ type: 'text' as const, text: 'the widget is broken' }], isError: true }));
  server.registerTool('slow', { description: 'Answers after a while.', inputSchema: { ms: z.number().int().nonnegative() } }, async ({ ms }, extra) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      extra.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return text(`waited ${ms} ms`);
  });
  server.registerTool('crash', { description: 'Ends the server.' }, async () => {
    if (!options.canExit) throw new Error('cannot crash over HTTP');
    process.exit(3);
  });
  server.registerTool('read.notes', { description: 'Reads the notes.' }, async () => text('notes'));
  return server;
}
