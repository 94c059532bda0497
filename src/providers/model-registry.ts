import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { ConfabError } from '../domain/errors.ts';
import type { ModelInfo } from '../domain/records.ts';
import { createAiSdkStepSource } from './ai-sdk/ai-sdk-step-source.ts';
import { createHttpPost, type HttpPost } from './lean/http-post.ts';
import { createLeanStepSource, LeanUnsupported } from './lean/lean-step-source.ts';
import { leanWireFor } from './lean/wire-for-provider.ts';
import { builtInPricing, type Pricing } from './pricing.ts';
import { providerOptionsFor, type ProviderClient, type ProviderConfig, type ProviderSettings } from './provider-config.ts';
import type { StepSource } from './stream-part.ts';

/**
 * Model ids (`provider/model`) to step sources. The model part may contain slashes
 * (`openrouter/meta-llama/llama-3`): the id splits on its first `/`.
 */
export interface ModelRegistry {
  /** Throws ConfabError `unknown_model` (with what is available) for an id it cannot serve. */
  resolve(modelId: string): ResolvedModel;
  list(): ModelListing[];
  /** The configured `defaultModel`, else the first declared model, else a default for an env provider. */
  defaultModel(): string | undefined;
}

/** `client`: who reads this model's stream (`ai-sdk` also when the lean reader does not implement the model's options). */
export type ResolvedModel = { id: string; provider: string; source: StepSource; pricing: Pricing | undefined; client: ProviderClient };
export type ModelListing = ModelInfo;

export type ModelRegistryOptions = {
  /** The `fetch` the AI SDK client uses (the lean client speaks `node:http` itself). */
  fetch?: typeof globalThis.fetch;
  /** Passed to every step source; see `createAiSdkStepSource` and `createLeanStepSource`. */
  idleTimeoutMs?: number;
  /** Bound on cached model instances (env providers accept any id a client sends). Default 256. */
  maxCachedModels?: number;
};

const publicBaseURL = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com/v1' } as const;
const envDefaults: Record<string, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5' };
const enablingEnv = 'OPENAI_API_KEY, ANTHROPIC_API_KEY or OLLAMA_HOST';

export function createModelRegistry(config: ProviderConfig, options: ModelRegistryOptions = {}): ModelRegistry {
  const providers = new Map(config.providers.map((provider) => [provider.name, provider]));
  const factories = new Map<string, (modelId: string) => LanguageModelV4>();
  /** One keep-alive socket pool per provider for the lean client. */
  const posts = new Map<string, HttpPost>();
  const cache = new Map<string, ResolvedModel>();
  const maxCachedModels = options.maxCachedModels ?? 256;

  const priceOf = (provider: ProviderSettings, model: string): Pricing | undefined =>
    provider.models?.[model] ?? config.pricing[`${provider.name}/${model}`] ?? builtInPricing[`${provider.name}/${model}`];

  const factoryFor = (provider: ProviderSettings) => {
    let factory = factories.get(provider.name);
    if (!factory) {
      factory = createFactory(provider, options.fetch);
      factories.set(provider.name, factory);
    }
    return factory;
  };

  const sourceFor = (provider: ProviderSettings, model: string): { source: StepSource; client: ProviderClient } => {
    const providerOptions = providerOptionsFor(provider, model);
    const aiSdk = createAiSdkStepSource(factoryFor(provider)(model), { idleTimeoutMs: options.idleTimeoutMs, providerOptions });
    if (provider.client === 'ai-sdk') return { source: aiSdk, client: 'ai-sdk' };
    let wire;
    try {
      wire = leanWireFor(provider, model, baseURLOf(provider), providerOptions);
    } catch (error) {
      if (error instanceof LeanUnsupported) return { source: aiSdk, client: 'ai-sdk' };
      throw error;
    }
    let post = posts.get(provider.name);
    if (!post) posts.set(provider.name, (post = createHttpPost()));
    // A request the lean wire does not build itself (a rare prompt or tool schema) runs on the AI SDK.
    return { source: createLeanStepSource(wire, { idleTimeoutMs: options.idleTimeoutMs, post, fallback: aiSdk }), client: 'lean' };
  };

  return {
    resolve(modelId) {
      const cached = cache.get(modelId);
      if (cached) return cached;
      const slash = modelId.indexOf('/');
      if (slash <= 0 || slash === modelId.length - 1) {
        throw new ConfabError('unknown_model', `Model ids look like provider/model, got ${JSON.stringify(modelId)}. ${describeProviders(config)}`);
      }
      const providerName = modelId.slice(0, slash);
      const model = modelId.slice(slash + 1);
      const provider = providers.get(providerName);
      if (!provider) {
        throw new ConfabError('unknown_model', `Unknown model ${JSON.stringify(modelId)}: no provider "${providerName}". ${describeProviders(config)}`);
      }
      if (provider.models && !Object.hasOwn(provider.models, model)) {
        const available = Object.keys(provider.models).map((name) => `${provider.name}/${name}`);
        throw new ConfabError('unknown_model', `Unknown model ${JSON.stringify(modelId)}. Provider "${provider.name}" offers: ${available.join(', ') || '(none)'}`);
      }
      const resolved: ResolvedModel = { id: modelId, provider: provider.name, ...sourceFor(provider, model), pricing: priceOf(provider, model) };
      if (cache.size >= maxCachedModels) cache.delete(cache.keys().next().value!);
      cache.set(modelId, resolved);
      return resolved;
    },

    list() {
      const listing: ModelListing[] = [];
      for (const provider of config.providers) {
        const names = provider.models
          ? Object.keys(provider.models)
          : [...new Set([...Object.keys(builtInPricing), ...Object.keys(config.pricing)])]
              .filter((id) => id.startsWith(`${provider.name}/`))
              .map((id) => id.slice(provider.name.length + 1));
        for (const name of names) listing.push({ id: `${provider.name}/${name}`, provider: provider.name, pricing: priceOf(provider, name) ?? null });
      }
      return listing;
    },

    defaultModel() {
      if (config.defaultModel) return config.defaultModel;
      for (const provider of config.providers) {
        const first = provider.models ? Object.keys(provider.models)[0] : undefined;
        if (first !== undefined) return `${provider.name}/${first}`;
      }
      for (const provider of config.providers) {
        const fallback = provider.source === 'env' ? envDefaults[provider.name] : undefined;
        if (fallback) return `${provider.name}/${fallback}`;
      }
      return undefined;
    },
  };
}

function createFactory(provider: ProviderSettings, fetch: typeof globalThis.fetch | undefined): (modelId: string) => LanguageModelV4 {
  // Every setting is passed explicitly: left undefined, the SDK factories would read
  // OPENAI_BASE_URL / ANTHROPIC_API_KEY etc. from process.env behind the config's back.
  const common = { apiKey: provider.apiKey, headers: provider.headers, fetch };
  switch (provider.type) {
    case 'openai-compatible': {
      const factory = createOpenAICompatible({ ...common, name: provider.name, baseURL: provider.baseURL!, includeUsage: true });
      return (modelId) => factory.chatModel(modelId);
    }
    case 'openai': {
      const factory = createOpenAI({ ...common, name: provider.name, baseURL: baseURLOf(provider) });
      return provider.api === 'responses' ? (modelId) => factory.responses(modelId) : (modelId) => factory.chat(modelId);
    }
    case 'anthropic': {
      const factory = createAnthropic({ ...common, baseURL: baseURLOf(provider) });
      return (modelId) => factory.languageModel(modelId);
    }
  }
}

function baseURLOf(provider: ProviderSettings): string {
  return provider.type === 'openai-compatible' ? provider.baseURL! : (provider.baseURL ?? publicBaseURL[provider.type]);
}

function describeProviders(config: ProviderConfig): string {
  const names = config.providers.map((provider) => provider.name);
  const configured = names.length > 0 ? `Configured providers: ${names.join(', ')}.` : 'No providers are configured.';
  return `${configured} Set ${enablingEnv}, or declare providers in the config file (CONFAB_CONFIG), to enable more.`;
}
