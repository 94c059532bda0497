import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAnthropicUpstream } from '../../test/peers/anthropic-upstream.ts';
import { startOpenAIUpstream } from '../../test/peers/openai-upstream.ts';
import { collectParts, collectUntilError } from '../../test/peers/peer-models.ts';
import type { FakeUpstream } from '../../test/peers/upstream-script.ts';
import { ConfabError } from '../domain/errors.ts';
import { createModelRegistry } from './model-registry.ts';
import { builtInPricing } from './pricing.ts';
import { loadProviderConfig } from './provider-config.ts';
import { UpstreamError } from './upstream-error.ts';

function configWith(file: unknown, env: Record<string, string> = {}) {
  return loadProviderConfig({ env, configPath: '/confab.json', readFile: () => JSON.stringify(file) });
}

const localFile = {
  providers: {
    local: {
      type: 'openai-compatible',
      baseURL: 'http://127.0.0.1:1/v1',
      models: { m1: { inputPerMillion: 0.5, outputPerMillion: 1.5 }, m2: {} },
    },
  },
  pricing: { 'openai/gpt-4o': { inputPerMillion: 2, outputPerMillion: 8 } },
};

function assertUnknownModel(resolve: () => unknown, ...fragments: string[]) {
  assert.throws(resolve, (error: unknown) => {
    assert.ok(ConfabError.is(error, 'unknown_model'), `expected unknown_model, got ${String(error)}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should mention "${fragment}"`);
    return true;
  });
}

describe('model registry: resolve, list, default', () => {
  const registry = createModelRegistry(configWith(localFile, { OPENAI_API_KEY: 'k' }));

  test('resolves a declared model with its declared price', () => {
    const resolved = registry.resolve('local/m1');
    assert.deepEqual({ ...resolved, source: typeof resolved.source.stream }, {
      id: 'local/m1',
      provider: 'local',
      source: 'function',
      pricing: { inputPerMillion: 0.5, outputPerMillion: 1.5 },
      client: 'lean',
    });
    assert.equal(registry.resolve('local/m2').pricing, undefined);
  });

  test('a provider with declared models refuses others, naming the available ones', () => {
    assertUnknownModel(() => registry.resolve('local/m3'), 'local/m3', 'local/m1, local/m2');
  });

  test('an env provider accepts any model id, priced from the config file, then the built-in table', () => {
    assert.equal(registry.resolve('openai/brand-new-model').pricing, undefined);
    assert.deepEqual(registry.resolve('openai/gpt-4o').pricing, { inputPerMillion: 2, outputPerMillion: 8 });
    assert.deepEqual(registry.resolve('openai/gpt-4.1').pricing, builtInPricing['openai/gpt-4.1']);
  });

  test('an unknown provider names the configured ones and the variables that enable more', () => {
    assertUnknownModel(() => registry.resolve('anthropic/claude-sonnet-4-5'), 'no provider "anthropic"', 'local, openai', 'ANTHROPIC_API_KEY', 'OLLAMA_HOST');
  });

  test('an id without a provider is unknown', () => {
    assertUnknownModel(() => registry.resolve('gpt-4o'), 'provider/model');
    assertUnknownModel(() => registry.resolve('openai/'), 'provider/model');
  });

  test('resolving again returns the cached model', () => {
    assert.equal(registry.resolve('local/m1'), registry.resolve('local/m1'));
  });

  test('the cache is bounded', () => {
    const small = createModelRegistry(configWith(localFile, { OPENAI_API_KEY: 'k' }), { maxCachedModels: 2 });
    const first = small.resolve('openai/a');
    small.resolve('openai/b');
    assert.equal(small.resolve('openai/a'), first);
    small.resolve('openai/c');
    assert.notEqual(small.resolve('openai/a'), first);
  });

  test('list shows declared models, and built-in or configured prices for env providers', () => {
    const openaiBuiltIns = Object.keys(builtInPricing).filter((id) => id.startsWith('openai/'));
    assert.deepEqual(registry.list(), [
      { id: 'local/m1', provider: 'local', pricing: { inputPerMillion: 0.5, outputPerMillion: 1.5 } },
      { id: 'local/m2', provider: 'local', pricing: null },
      ...openaiBuiltIns.map((id) => ({ id, provider: 'openai', pricing: id === 'openai/gpt-4o' ? { inputPerMillion: 2, outputPerMillion: 8 } : builtInPricing[id] })),
    ]);
  });

  test('the default model is the configured one, else the first declared, else an env default', () => {
    assert.equal(registry.defaultModel(), 'local/m1');
    assert.equal(createModelRegistry(configWith({ ...localFile, defaultModel: 'openai/gpt-4.1' })).defaultModel(), 'openai/gpt-4.1');
    assert.equal(createModelRegistry(loadProviderConfig({ env: { ANTHROPIC_API_KEY: 'k' } })).defaultModel(), 'anthropic/claude-sonnet-4-5');
    assert.equal(createModelRegistry(loadProviderConfig({ env: { OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k' } })).defaultModel(), 'openai/gpt-4o-mini');
    assert.equal(createModelRegistry(loadProviderConfig({ env: { OLLAMA_HOST: 'localhost' } })).defaultModel(), undefined);
    assert.equal(createModelRegistry(loadProviderConfig({ env: {} })).defaultModel(), undefined);
  });
});

describe('model registry: resolved models talk to the configured endpoint', () => {
  let openaiPeer: FakeUpstream;
  let anthropicPeer: FakeUpstream;
  before(async () => {
    openaiPeer = await startOpenAIUpstream();
    anthropicPeer = await startAnthropicUpstream();
  });
  after(async () => {
    await openaiPeer.close();
    await anthropicPeer.close();
  });

  test('a file provider sends its key and headers, read by the lean client (the default)', async () => {
    const config = configWith(
      { providers: { local: { type: 'openai-compatible', baseURL: openaiPeer.url, apiKey: { env: 'LOCAL_KEY' }, headers: { 'x-team': 'core' }, models: ['m1'] } } },
      { LOCAL_KEY: 'local-secret' },
    );
    const resolved = createModelRegistry(config).resolve('local/m1');
    assert.equal(resolved.client, 'lean');
    openaiPeer.enqueue({ kind: 'stream', chunks: [{ text: 'hi' }] });
    const parts = await collectParts(resolved.source);
    assert.equal(parts.at(-1)?.type, 'finish');
    const request = openaiPeer.requests.at(-1)!;
    assert.equal(request.headers.authorization, 'Bearer local-secret');
    assert.equal(request.headers['x-team'], 'core');
    assert.equal(request.body.model, 'm1');
    assert.deepEqual(request.body.stream_options, { include_usage: true });
  });

  test('client "ai-sdk" reads the provider through the AI SDK package, with the injected fetch', async () => {
    const config = configWith(
      { providers: { local: { type: 'openai-compatible', baseURL: openaiPeer.url, apiKey: { env: 'LOCAL_KEY' }, headers: { 'x-team': 'core' }, client: 'ai-sdk', models: ['m1'] } } },
      { LOCAL_KEY: 'local-secret' },
    );
    const fetched: string[] = [];
    const resolved = createModelRegistry(config, { fetch: (input, init) => (fetched.push(String(input)), fetch(input, init)) }).resolve('local/m1');
    assert.equal(resolved.client, 'ai-sdk');
    openaiPeer.enqueue({ kind: 'stream', chunks: [{ text: 'hi' }] });
    const parts = await collectParts(resolved.source);
    assert.equal(parts.at(-1)?.type, 'finish');
    const request = openaiPeer.requests.at(-1)!;
    assert.equal(request.headers.authorization, 'Bearer local-secret');
    assert.equal(request.headers['x-team'], 'core');
    assert.deepEqual(fetched, [`${openaiPeer.url}/chat/completions`]);
  });

  test('options the lean client does not implement keep that model on the AI SDK package', () => {
    const config = configWith({
      providers: {
        claude: { type: 'anthropic', apiKey: 'k', models: { plain: {}, thinking: { providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 2000 } } } }, cached: { providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } } } } },
        oa: { type: 'openai', apiKey: 'k', models: { flex: { providerOptions: { openai: { serviceTier: 'flex' } } }, effort: { providerOptions: { openai: { reasoningEffort: 'low' } } } } },
        'my-azure': { type: 'openai', apiKey: 'k' },
      },
    });
    const registry = createModelRegistry(config);
    const clients = ['claude/plain', 'claude/thinking', 'claude/cached', 'oa/flex', 'oa/effort', 'my-azure/gpt-4o'].map((id) => registry.resolve(id).client);
    assert.deepEqual(clients, ['lean', 'lean', 'ai-sdk', 'ai-sdk', 'lean', 'ai-sdk']);
  });

  test('OPENAI_BASE_URL moves the env openai provider, which speaks chat completions', async () => {
    const registry = createModelRegistry(loadProviderConfig({ env: { OPENAI_API_KEY: 'env-key', OPENAI_BASE_URL: openaiPeer.url } }));
    openaiPeer.enqueue({ kind: 'stream', chunks: [{ text: 'hi' }] });
    await collectParts(registry.resolve('openai/gpt-4o').source);
    const request = openaiPeer.requests.at(-1)!;
    assert.deepEqual([request.path, request.headers.authorization, request.body.model], ['/v1/chat/completions', 'Bearer env-key', 'gpt-4o']);
  });

  test('ANTHROPIC_BASE_URL moves the env anthropic provider', async () => {
    const registry = createModelRegistry(loadProviderConfig({ env: { ANTHROPIC_API_KEY: 'env-key', ANTHROPIC_BASE_URL: anthropicPeer.url } }));
    anthropicPeer.enqueue({ kind: 'stream', chunks: [{ text: 'hi' }] });
    await collectParts(registry.resolve('anthropic/claude-haiku-4-5').source);
    const request = anthropicPeer.requests.at(-1)!;
    assert.deepEqual([request.path, request.headers['x-api-key'], request.body.model], ['/v1/messages', 'env-key', 'claude-haiku-4-5']);
  });

  test('a model id may contain slashes after the provider', async () => {
    const host = new URL(openaiPeer.url).host;
    const registry = createModelRegistry(loadProviderConfig({ env: { OLLAMA_HOST: host } }));
    openaiPeer.enqueue({ kind: 'stream', chunks: [{ text: 'hi' }] });
    await collectParts(registry.resolve('ollama/library/llama3.2:1b').source);
    assert.equal(openaiPeer.requests.at(-1)!.body.model, 'library/llama3.2:1b');
    assert.equal(openaiPeer.requests.at(-1)!.headers.authorization, undefined);
  });

  test('api "responses" makes the openai provider call the Responses API', async () => {
    const config = configWith({ providers: { openai: { type: 'openai', baseURL: openaiPeer.url, apiKey: 'k', api: 'responses' } } });
    const { error } = await collectUntilError(createModelRegistry(config).resolve('openai/gpt-4.1').source);
    assert.equal(openaiPeer.requests.at(-1)!.path, '/v1/responses');
    assert.ok(UpstreamError.is(error) && error.code === 'not_found', 'the chat-only peer answers 404');
  });
});
