import { z } from 'zod';
import { ConfabError } from '../../domain/errors.ts';
import { projectNamePattern } from '../../domain/schemas.ts';

/**
 * MCP servers as the config file names them: `mcpServers` (every project) and
 * `projects.<name>.mcpServers` (that project only; a name there replaces a server-wide one).
 *
 *   "mcpServers": {
 *     "notes": { "command": "node", "args": ["notes-server.js"], "env": { "TOKEN": { "env": "NOTES_TOKEN" } } },
 *     "search": { "url": "http://127.0.0.1:8931/mcp", "headers": { "authorization": { "env": "SEARCH_AUTH" } },
 *                 "trustedTools": ["lookup"], "callTimeoutMs": 120000 }
 *   }
 *
 * A server is stdio (`command`, run in the project's directory) or Streamable HTTP (`url`). Its
 * calls need a person's approval unless `requireApproval` is false or the tool is in `trustedTools`.
 */
export type McpServerSettings = {
  name: string;
  transport: McpStdioTransport | McpHttpTransport;
  /** Whether calls of this server's tools wait for a person (default true); `trustedTools` never do. */
  requireApproval: boolean;
  /** The server's own tool names (not namespaced) whose calls run without asking. */
  trustedTools: string[];
  /** Bound on starting the server and its handshake, and on listing its tools. */
  startupTimeoutMs: number;
  /** Bound on one tool call. */
  callTimeoutMs: number;
  /** Where it was declared: server-wide, or for one project. */
  scope: { kind: 'server' } | { kind: 'project'; projectName: string };
};

export type McpStdioTransport = { kind: 'stdio'; command: string; args: string[]; env: Record<string, string> };
export type McpHttpTransport = { kind: 'http'; url: string; headers: Record<string, string> };

export type McpConfig = {
  servers: McpServerSettings[];
  projects: Record<string, McpServerSettings[]>;
};

export const emptyMcpConfig: McpConfig = { servers: [], projects: {} };
export const defaultStartupTimeoutMs = 15_000;
export const defaultCallTimeoutMs = 60_000;
/** Server names are short so that `server__tool` fits the providers' 64-character limit on tool names. */
export const maxServerNameLength = 32;

const serverNamePattern = /^[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$/;
const SecretSchema = z.union([z.string(), z.strictObject({ env: z.string().min(1) })]);
const TimeoutSchema = z.number().int().positive().max(3_600_000, 'is at most 3600000 (one hour)');

const McpServerEntrySchema = z
  .strictObject({
    type: z.enum(['stdio', 'http']).optional(),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string().min(1), SecretSchema).optional(),
    url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
    headers: z.record(z.string().min(1), SecretSchema).optional(),
    requireApproval: z.boolean().optional(),
    trustedTools: z.array(z.string().min(1)).optional(),
    startupTimeoutMs: TimeoutSchema.optional(),
    callTimeoutMs: TimeoutSchema.optional(),
  })
  .superRefine((entry, context) => {
    const kind = entry.type ?? (entry.url !== undefined ? 'http' : 'stdio');
    if (kind === 'stdio' && entry.command === undefined) {
      context.addIssue({ code: 'custom', path: ['command'], message: entry.type ? 'is required for type stdio' : 'give a command (stdio) or a url (Streamable HTTP)' });
    }
    if (kind === 'http' && entry.url === undefined) context.addIssue({ code: 'custom', path: ['url'], message: 'is required for type http' });
    const foreign = kind === 'stdio' ? (['url', 'headers'] as const) : (['command', 'args', 'env'] as const);
    for (const key of foreign) {
      if (entry[key] !== undefined) context.addIssue({ code: 'custom', path: [key], message: `does not apply to a ${kind} server` });
    }
  });

// Names checked here, not by a key schema: zod reports a bad record key only as "Invalid key in record".
export const McpServersSchema = z.record(z.string(), McpServerEntrySchema).superRefine((servers, context) => {
  for (const name of Object.keys(servers)) {
    if (!serverNamePattern.test(name)) context.addIssue({ code: 'custom', path: [name], message: 'MCP server names are letters and digits, joined by single - or _' });
    else if (name.length > maxServerNameLength) context.addIssue({ code: 'custom', path: [name], message: `MCP server names are at most ${maxServerNameLength} characters` });
  }
});
export const McpProjectsSchema = z.record(
  z.string().regex(projectNamePattern, 'project names are letters, digits, _ and -, 1 to 64 characters'),
  z.strictObject({ mcpServers: McpServersSchema.optional() }),
);

type McpServerEntry = z.infer<typeof McpServerEntrySchema>;

/**
 * The validated config file's MCP part, with `{ "env": "VAR" }` values read from `env`. An unset
 * variable is an error naming the file and the field, like a provider's `apiKey`.
 */
export function resolveMcpConfig(
  file: { mcpServers?: z.infer<typeof McpServersSchema>; projects?: z.infer<typeof McpProjectsSchema> },
  env: Record<string, string | undefined>,
  configPath: string,
): McpConfig {
  const resolve = (entries: Record<string, McpServerEntry> | undefined, scope: McpServerSettings['scope'], at: string) =>
    Object.entries(entries ?? {}).map(([name, entry]) => toSettings(name, entry, scope, (value, field) => secret(value, env, `${configPath}: ${at}.${name}.${field}`)));
  const projects: Record<string, McpServerSettings[]> = {};
  for (const [projectName, project] of Object.entries(file.projects ?? {})) {
    projects[projectName] = resolve(project.mcpServers, { kind: 'project', projectName }, `projects.${projectName}.mcpServers`);
  }
  return { servers: resolve(file.mcpServers, { kind: 'server' }, 'mcpServers'), projects };
}

/** The servers a project's runs use: the server-wide ones, with the project's own replacing any of the same name. */
export function mcpServersFor(config: McpConfig, projectName: string): McpServerSettings[] {
  const own = config.projects[projectName] ?? [];
  if (own.length === 0) return config.servers;
  const names = new Set(own.map((server) => server.name));
  return [...config.servers.filter((server) => !names.has(server.name)), ...own];
}

function toSettings(name: string, entry: McpServerEntry, scope: McpServerSettings['scope'], read: (value: z.infer<typeof SecretSchema>, field: string) => string): McpServerSettings {
  const values = (record: Record<string, z.infer<typeof SecretSchema>> | undefined, field: string) =>
    Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key, read(value, `${field}.${key}`)]));
  const transport: McpServerSettings['transport'] =
    entry.url !== undefined
      ? { kind: 'http', url: entry.url, headers: values(entry.headers, 'headers') }
      : { kind: 'stdio', command: entry.command!, args: entry.args ?? [], env: values(entry.env, 'env') };
  return {
    name,
    transport,
    requireApproval: entry.requireApproval ?? true,
    trustedTools: entry.trustedTools ?? [],
    startupTimeoutMs: entry.startupTimeoutMs ?? defaultStartupTimeoutMs,
    callTimeoutMs: entry.callTimeoutMs ?? defaultCallTimeoutMs,
    scope,
  };
}

function secret(value: z.infer<typeof SecretSchema>, env: Record<string, string | undefined>, field: string): string {
  if (typeof value === 'string') return value;
  const found = env[value.env];
  if (found === undefined || found === '') throw new ConfabError('bad_request', `Invalid config file ${field}: environment variable ${value.env} is not set`);
  return found;
}
