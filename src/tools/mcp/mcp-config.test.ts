import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadProviderConfig } from '../../providers/provider-config.ts';
import { mcpServersFor } from './mcp-config.ts';

const load = (file: object, env: Record<string, string> = {}) => loadProviderConfig({ env, configPath: 'confab.json', readFile: () => JSON.stringify(file) });

describe('MCP server config', () => {
  it('reads stdio and HTTP servers with defaults, secrets from the environment, and per-project servers', () => {
    const { mcp } = load(
      {
        mcpServers: {
          notes: { command: 'notes-mcp', args: ['--read-only'], env: { TOKEN: { env: 'NOTES_TOKEN' } } },
          search: { url: 'http://127.0.0.1:8931/mcp', headers: { authorization: 'Bearer x' }, requireApproval: false, callTimeoutMs: 5000 },
        },
        projects: { site: { mcpServers: { notes: { command: 'other-notes', trustedTools: ['list'] } } } },
      },
      { NOTES_TOKEN: 'secret' },
    );
    assert.deepEqual(mcp.servers[0], {
      name: 'notes',
      transport: { kind: 'stdio', command: 'notes-mcp', args: ['--read-only'], env: { TOKEN: 'secret' } },
      requireApproval: true,
      trustedTools: [],
      startupTimeoutMs: 15_000,
      callTimeoutMs: 60_000,
      scope: { kind: 'server' },
    });
    assert.deepEqual(mcp.servers[1].transport, { kind: 'http', url: 'http://127.0.0.1:8931/mcp', headers: { authorization: 'Bearer x' } });
    assert.equal(mcp.servers[1].requireApproval, false);
    assert.deepEqual(mcpServersFor(mcp, 'site').map((server) => [server.name, server.transport.kind === 'stdio' && server.transport.command]), [['search', false], ['notes', 'other-notes']]);
    assert.deepEqual(mcpServersFor(mcp, 'elsewhere').map((server) => server.name), ['notes', 'search']);
  });

  it('refuses an unset secret variable, unknown fields, bad timeouts and bad project names, naming the field', () => {
    assert.throws(() => load({ mcpServers: { notes: { command: 'x', env: { TOKEN: { env: 'MISSING_VAR' } } } } }), {
      code: 'bad_request',
      message: 'Invalid config file confab.json: mcpServers.notes.env.TOKEN: environment variable MISSING_VAR is not set',
    });
    assert.throws(() => load({ mcpServers: { notes: { command: 'x', cwd: '/tmp' } } }), { message: /mcpServers\.notes: Unrecognized key: "cwd"/ });
    assert.throws(() => load({ mcpServers: { notes: { command: 'x', callTimeoutMs: 0 } } }), { message: /mcpServers\.notes\.callTimeoutMs: / });
    assert.throws(() => load({ mcpServers: { ['n'.repeat(33)]: { command: 'x' } } }), { message: /MCP server names are at most 32 characters/ });
    assert.throws(() => load({ mcpServers: { a__b: { command: 'x' } } }), { message: /mcpServers\.a__b: MCP server names are letters and digits, joined by single - or _/ });
    assert.throws(() => load({ projects: { 'no way': { mcpServers: {} } } }), { message: /projects\.no way: / });
  });

  it('no config file: no MCP servers', () => {
    assert.deepEqual(loadProviderConfig({ env: {} }).mcp, { servers: [], projects: {} });
  });
});
