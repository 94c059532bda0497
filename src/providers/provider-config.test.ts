import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfabError } from '../domain/errors.ts';
import { loadProviderConfig, ollamaBaseURL, providerOptionsFor, type ProviderSettings } from './provider-config.ts';

const summary = (providers: ProviderSettings[]) => providers.map(({ name, type, baseURL, apiKey, source }) => ({ name, type, baseURL, apiKey, source }));

function withFile(text: string, env: Record<string, string | undefined> = {}) {
  return loadProviderConfig({ env, configPath: '/etc/confab.json', readFile: (path) => (path === '/etc/confab.json' ? text : missing(path)) });
}

function missing(path: string): never {
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
}

function assertBadRequest(load: () => unknown, ...fragments: string[]) {
  assert.throws(load, (error: unknown) => {
    assert.ok(ConfabError.is(error, 'bad_request'), `expected bad_request, got ${String(error)}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should mention "${fragment}"`);
    return true;
  });
}

describe('providers from the environment', () => {
  test('no variables, no providers', () => {
    assert.deepEqual(loadProviderConfig({ env: {} }), { providers: [], agents: [], pricing: {}, defaultModel: undefined, titleModel: undefined, mcp: { servers: [], projects: {} } });
  });

  test('each key enables its provider, in a fixed order, with base URL overrides', () => {
    const config = loadProviderConfig({
      env: { OLLAMA_HOST: '127.0.0.1:11434', ANTHROPIC_API_KEY: 'ak', OPENAI_API_KEY: 'ok', OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1/', ANTHROPIC_BASE_URL: '' },
    });
    assert.deepEqual(summary(config.providers), [
      { name: 'openai', type: 'openai', baseURL: 'http://127.0.0.1:9999/v1', apiKey: 'ok', source: 'env' },
      { name: 'anthropic', type: 'anthropic', baseURL: undefined, apiKey: 'ak', source: 'env' },
      { name: 'ollama', type: 'openai-compatible', baseURL: 'http://127.0.0.1:11434/v1', apiKey: undefined, source: 'env' },
    ]);
    assert.ok(config.providers.every((provider) => provider.models === undefined && provider.api === 'chat'));
  });

  test('a blank key enables nothing', () => {
    assert.deepEqual(loadProviderConfig({ env: { OPENAI_API_KEY: '  ' } }).providers, []);
  });

  test('a bad base URL names the variable', () => {
    assertBadRequest(() => loadProviderConfig({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'not a url' } }), 'OPENAI_BASE_URL');
  });

  test('CONFAB_DEFAULT_MODEL sets the default model', () => {
    assert.equal(loadProviderConfig({ env: { CONFAB_DEFAULT_MODEL: 'openai/gpt-4.1' } }).defaultModel, 'openai/gpt-4.1');
  });

  test('CONFAB_TITLE_MODEL sets the title model (off when unset); a value that is not provider/model is refused', () => {
    assert.equal(loadProviderConfig({ env: { CONFAB_TITLE_MODEL: 'openai/gpt-4.1-nano' } }).titleModel, 'openai/gpt-4.1-nano');
    assert.equal(loadProviderConfig({ env: { CONFAB_TITLE_MODEL: '' } }).titleModel, undefined);
    assert.throws(() => loadProviderConfig({ env: { CONFAB_TITLE_MODEL: 'gpt-4.1-nano' } }), /CONFAB_TITLE_MODEL: must be provider\/model/);
  });
});

describe('OLLAMA_HOST', () => {
  const cases: [string, string][] = [
    ['127.0.0.1:11434', 'http://127.0.0.1:11434/v1'],
    ['localhost', 'http://localhost:11434/v1'],
    ['0.0.0.0:8080', 'http://0.0.0.0:8080/v1'],
    ['http://ollama.internal', 'http://ollama.internal/v1'],
    ['https://ollama.example.com:8443/', 'https://ollama.example.com:8443/v1'],
    ['http://127.0.0.1:11434/', 'http://127.0.0.1:11434/v1'],
  ];
  for (const [host, expected] of cases) test(`${host} → ${expected}`, () => assert.equal(ollamaBaseURL(host), expected));

  test('rejects what is not a host', () => {
    assertBadRequest(() => ollamaBaseURL('http://'), 'OLLAMA_HOST');
    assertBadRequest(() => ollamaBaseURL('ftp://x'), 'OLLAMA_HOST');
  });
});

describe('the config file', () => {
  const file = JSON.stringify({
    providers: {
      local: {
        type: 'openai-compatible',
        baseURL: 'http://127.0.0.1:8080/v1',
        apiKey: { env: 'LOCAL_KEY' },
        headers: { 'x-team': 'core' },
        models: { m1: { inputPerMillion: 0.5, outputPerMillion: 1.5 }, m2: {} },
      },
      openai: { type: 'openai', apiKey: 'file-key', api: 'responses', client: 'ai-sdk', models: ['gpt-4.1'] },
    },
    pricing: { 'openai/gpt-4o': { inputPerMillion: 2, outputPerMillion: 8 } },
    defaultModel: 'local/m2',
  });

  test('declares providers, resolves env keys, and overrides env providers of the same name', () => {
    const config = withFile(file, { LOCAL_KEY: 'lk', OPENAI_API_KEY: 'env-key', ANTHROPIC_API_KEY: 'ak' });
    assert.deepEqual(summary(config.providers), [
      { name: 'local', type: 'openai-compatible', baseURL: 'http://127.0.0.1:8080/v1', apiKey: 'lk', source: 'file' },
      { name: 'openai', type: 'openai', baseURL: undefined, apiKey: 'file-key', source: 'file' },
      { name: 'anthropic', type: 'anthropic', baseURL: undefined, apiKey: 'ak', source: 'env' },
    ]);
    assert.deepEqual(config.providers[0].models, { m1: { inputPerMillion: 0.5, outputPerMillion: 1.5 }, m2: null });
    assert.deepEqual(config.providers[0].headers, { 'x-team': 'core' });
    assert.deepEqual(config.providers[1].models, { 'gpt-4.1': null });
    assert.equal(config.providers[1].api, 'responses');
    assert.deepEqual(config.providers.map((provider) => provider.client), ['lean', 'ai-sdk', 'lean']);
    assert.deepEqual(config.pricing, { 'openai/gpt-4o': { inputPerMillion: 2, outputPerMillion: 8 } });
    assert.equal(config.defaultModel, 'local/m2');
  });

  test('is found through CONFAB_CONFIG, read from disk', () => {
    const directory = mkdtempSync(join(tmpdir(), 'confab-config-'));
    const path = join(directory, 'confab.json');
    writeFileSync(path, JSON.stringify({ providers: { box: { type: 'anthropic', baseURL: 'http://127.0.0.1:1/v1', apiKey: 'k' } } }));
    const config = loadProviderConfig({ env: { CONFAB_CONFIG: path } });
    assert.deepEqual(summary(config.providers), [{ name: 'box', type: 'anthropic', baseURL: 'http://127.0.0.1:1/v1', apiKey: 'k', source: 'file' }]);
  });

  test('a missing file is a bad_request naming it', () => {
    assertBadRequest(() => loadProviderConfig({ env: { CONFAB_CONFIG: '/nonexistent/confab.json' } }), '/nonexistent/confab.json', 'not found');
  });

  test('invalid JSON names the file', () => {
    assertBadRequest(() => withFile('{ "providers": '), '/etc/confab.json', 'not valid JSON');
  });

  const invalid: [string, unknown, string[]][] = [
    ['an unknown type', { providers: { x: { type: 'gemini', baseURL: 'http://h/v1' } } }, ['providers.x.type']],
    ['a bad baseURL', { providers: { x: { type: 'openai-compatible', baseURL: 'localhost:8080' } } }, ['providers.x.baseURL']],
    ['a missing baseURL for openai-compatible', { providers: { x: { type: 'openai-compatible' } } }, ['providers.x.baseURL', 'required']],
    ['a missing apiKey for anthropic', { providers: { x: { type: 'anthropic' } } }, ['providers.x.apiKey', 'required']],
    ['api on a non-openai provider', { providers: { x: { type: 'anthropic', apiKey: 'k', api: 'chat' } } }, ['providers.x.api']],
    ['an unknown client', { providers: { x: { type: 'openai', apiKey: 'k', client: 'fetch' } } }, ['providers.x.client']],
    ['half a price', { providers: { x: { type: 'openai-compatible', baseURL: 'http://h/v1', models: { m: { inputPerMillion: 1 } } } } }, ['providers.x.models.m']],
    ['a negative price', { pricing: { 'openai/gpt-4o': { inputPerMillion: -1, outputPerMillion: 1 } } }, ['pricing.openai/gpt-4o.inputPerMillion']],
    ['a provider name with a slash', { providers: { 'a/b': { type: 'openai', apiKey: 'k' } } }, ['providers.a/b']],
    ['an unknown field', { providers: { x: { type: 'openai', apiKey: 'k', baseUrl: 'http://h' } } }, ['providers.x', 'baseUrl']],
    ['providerOptions that are not keyed objects', { providers: { x: { type: 'anthropic', apiKey: 'k', providerOptions: { anthropic: true } } } }, ['providers.x.providerOptions.anthropic']],
    ['model providerOptions that are not keyed objects', { providers: { x: { type: 'anthropic', apiKey: 'k', models: { m: { providerOptions: [1] } } } } }, ['providers.x.models.m.providerOptions']],
  ];
  for (const [name, json, fragments] of invalid) {
    test(`${name} is a bad_request naming the file and field`, () => assertBadRequest(() => withFile(JSON.stringify(json)), '/etc/confab.json', ...fragments));
  }

  test('providerOptions of a provider and of a model are merged per key, the model winning', () => {
    const config = withFile(
      JSON.stringify({
        providers: {
          claude: {
            type: 'anthropic',
            apiKey: 'k',
            providerOptions: { anthropic: { sendReasoning: true, thinking: { type: 'disabled' } } },
            models: { thinker: { providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 2048 } } } }, plain: {} },
          },
        },
      }),
    );
    const [claude] = config.providers;
    assert.deepEqual(providerOptionsFor(claude, 'thinker'), { anthropic: { sendReasoning: true, thinking: { type: 'enabled', budgetTokens: 2048 } } });
    assert.deepEqual(providerOptionsFor(claude, 'plain'), { anthropic: { sendReasoning: true, thinking: { type: 'disabled' } } });
    assert.deepEqual(claude.models, { thinker: null, plain: null }, 'options are not prices');
    const fromEnv = loadProviderConfig({ env: { ANTHROPIC_API_KEY: 'k' } }).providers[0];
    assert.equal(providerOptionsFor(fromEnv, 'claude-sonnet-4-5'), undefined);
  });

  test('an apiKey from an unset variable names the variable', () => {
    const json = JSON.stringify({ providers: { x: { type: 'openai', apiKey: { env: 'X_KEY' } } } });
    assertBadRequest(() => withFile(json), '/etc/confab.json', 'providers.x.apiKey', 'X_KEY');
  });
});

describe('titleModel in the config file', () => {
  test('the file\'s titleModel wins over CONFAB_TITLE_MODEL; a malformed one names the field', () => {
    const file = (titleModel: string) => JSON.stringify({ providers: { local: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:8080/v1' } }, titleModel });
    assert.equal(withFile(file('local/small'), { CONFAB_TITLE_MODEL: 'openai/gpt-4.1-nano' }).titleModel, 'local/small');
    assert.equal(withFile(JSON.stringify({}), { CONFAB_TITLE_MODEL: 'openai/gpt-4.1-nano' }).titleModel, 'openai/gpt-4.1-nano');
    assertBadRequest(() => withFile(file('small')), 'titleModel', 'must be provider/model');
  });
});

describe('coding agents in the config file', () => {
  test('each agent type is a provider with its command (default on PATH), args, env and models', () => {
    const config = withFile(
      JSON.stringify({
        providers: {
          claude: { type: 'claude-code', models: ['sonnet', 'opus'] },
          gemini: { type: 'acp', command: 'gemini', args: ['--acp'], env: { GEMINI_API_KEY: 'k' }, sessionMode: 'default', maxProcesses: 2 },
          local: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:1/v1' },
        },
      }),
    );
    assert.deepEqual(config.providers.map((provider) => provider.name), ['local']);
    assert.deepEqual(
      config.agents.map(({ name, type, command, args, env, models, maxProcesses, sessionMode }) => ({ name, type, command, args, env, models, maxProcesses, sessionMode })),
      [
        { name: 'claude', type: 'claude-code', command: 'claude', args: [], env: {}, models: { sonnet: null, opus: null }, maxProcesses: 4, sessionMode: undefined },
        { name: 'gemini', type: 'acp', command: 'gemini', args: ['--acp'], env: { GEMINI_API_KEY: 'k' }, models: undefined, maxProcesses: 2, sessionMode: 'default' },
      ],
    );
  });

  test('an acp agent must name its program; options of another type are refused by name', () => {
    assertBadRequest(() => withFile(JSON.stringify({ providers: { x: { type: 'acp' } } })), 'providers.x.command', 'required for type acp');
    assertBadRequest(() => withFile(JSON.stringify({ providers: { x: { type: 'codex', baseURL: 'http://a' } } })), 'providers.x', 'baseURL');
    assertBadRequest(() => withFile(JSON.stringify({ providers: { x: { type: 'codex', sessionMode: 'default' } } })), 'providers.x.sessionMode');
    assertBadRequest(() => withFile(JSON.stringify({ providers: { x: { type: 'acp', command: 'a', sdkPath: '/opt/sdk' } } })), 'providers.x.sdkPath', 'only applies to type claude-code');
    assert.equal(withFile(JSON.stringify({ providers: { x: { type: 'claude-code', sdkPath: '/opt/sdk' } } })).agents[0]!.sdkPath, '/opt/sdk');
    assertBadRequest(() => withFile(JSON.stringify({ providers: { x: { type: 'opencode', maxProcesses: 0 } } })), 'providers.x.maxProcesses');
    assertBadRequest(() => withFile(JSON.stringify({ providers: { x: { type: 'nope' } } })), 'providers.x.type');
  });
});
