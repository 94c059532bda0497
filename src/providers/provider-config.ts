import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfabError } from '../domain/errors.ts';
import type { ProviderMetadata } from '../domain/schemas.ts';
import { emptyMcpConfig, McpProjectsSchema, McpServersSchema, resolveMcpConfig, type McpConfig } from '../tools/mcp/mcp-config.ts';
import type { Pricing } from './pricing.ts';
import { mergeByProvider } from './provider-metadata.ts';
import { AgentProviderSchema, isAgentType, toAgentSettings, type AgentProviderSettings } from '../agents/agent-config.ts';

/**
 * Which providers Confab can talk to, from the environment and an optional JSON config file.
 *
 * Zero config: `OPENAI_API_KEY` enables `openai/*`, `ANTHROPIC_API_KEY` enables `anthropic/*`,
 * `OLLAMA_HOST` enables `ollama/*` (OpenAI-compatible, `<host>/v1`); `OPENAI_BASE_URL` and
 * `ANTHROPIC_BASE_URL` move the first two. The config file (`configPath`, else `CONFAB_CONFIG`):
 *
 *   { "providers": { "local": { "type": "openai-compatible", "baseURL": "http://127.0.0.1:8080/v1",
 *       "apiKey": { "env": "LOCAL_KEY" }, "headers": { ... },
 *       "models": { "m1": { "inputPerMillion": 0.5, "outputPerMillion": 1.5 }, "m2": {} } },
 *     "claude": { "type": "anthropic", "apiKey": { "env": "ANTHROPIC_API_KEY" },
 *       "models": { "claude-sonnet-4-5": { "providerOptions": { "anthropic": { "thinking": { "type": "enabled", "budgetTokens": 4000 } } } } } } },
 *     "pricing": { "openai/gpt-4o": { "inputPerMillion": 2.5, "outputPerMillion": 10 } },
 *     "defaultModel": "local/m1" }
 *
 * gives `local/m1`, `local/m2` and `claude/claude-sonnet-4-5`. `providerOptions` (on a provider, or
 * on a model, whose keys win) go as they are to every request of those models: the AI SDK
 * provider package's own options, keyed as it reads them. A file provider replaces an environment one of the same name.
 * `models` may also be a list of names. Anything wrong is a `bad_request` naming the file and field.
 */
export type ProviderType = 'openai-compatible' | 'openai' | 'anthropic';

export type ProviderSettings = {
  name: string;
  type: ProviderType;
  /** Undefined: the vendor's public endpoint (openai, anthropic only). */
  baseURL: string | undefined;
  apiKey: string | undefined;
  headers: Record<string, string> | undefined;
  /** For type `openai`: which OpenAI API to speak. */
  api: 'chat' | 'responses';
  /** Who reads the provider's stream: Confab's own lean reader (default), or the AI SDK provider package. */
  client: ProviderClient;
  /** Declared models and their price (null: none given). Undefined: the provider accepts any model id. */
  models: Record<string, Pricing | null> | undefined;
  /** Sent with every request (the AI SDK's `providerOptions`), per model: the provider's and the model's own, merged. */
  providerOptions: { provider: ProviderOptions | undefined; models: Record<string, ProviderOptions> };
  source: 'env' | 'file';
};

export type ProviderClient = 'lean' | 'ai-sdk';

/** The AI SDK's `providerOptions`: per provider package key, an object of its options (the same shape as the metadata it sends). */
export type ProviderOptions = ProviderMetadata;

export type ProviderConfig = {
  /** In order: file providers as declared, then environment providers not overridden. */
  providers: ProviderSettings[];
  /** Coding agents declared in the file (`type` claude-code, codex, opencode or acp): see agents/agent-config.ts. */
  agents: AgentProviderSettings[];
  /** Price overrides by full model id (`provider/model`), from the file's `pricing`. */
  pricing: Record<string, Pricing>;
  defaultModel: string | undefined;
  /** The model that writes a conversation's title after its first reply (`titleModel`, else `CONFAB_TITLE_MODEL`); none: the first message's title stays. */
  titleModel: string | undefined;
  /** MCP servers whose tools join the conversations' tools (`mcpServers`, `projects.<name>.mcpServers`; see tools/mcp/mcp-config.ts). */
  mcp: McpConfig;
};

export type LoadProviderConfigOptions = {
  env: Record<string, string | undefined>;
  configPath?: string;
  readFile?: (path: string) => string;
};

const nonNegative = z.number().nonnegative();
const PricingSchema = z.strictObject({ inputPerMillion: nonNegative, outputPerMillion: nonNegative, cachedInputPerMillion: nonNegative.optional() });
const ProviderOptionsSchema = z.record(z.string(), z.record(z.string(), z.json()));
const ModelEntrySchema = z
  .strictObject({
    inputPerMillion: nonNegative.optional(),
    outputPerMillion: nonNegative.optional(),
    cachedInputPerMillion: nonNegative.optional(),
    providerOptions: ProviderOptionsSchema.optional(),
  })
  .refine((entry) => (entry.inputPerMillion === undefined) === (entry.outputPerMillion === undefined), {
    message: 'give both inputPerMillion and outputPerMillion, or neither',
  });
const HttpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const ProviderSchema = z
  .strictObject({
    type: z.enum(['openai-compatible', 'openai', 'anthropic']),
    baseURL: HttpUrl.optional(),
    apiKey: z.union([z.string().min(1), z.strictObject({ env: z.string().min(1) })]).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    // Chat completions by default: it is the wire our test peer speaks and the one the most
    // servers and proxies implement; `responses` is opt-in for OpenAI-only features.
    api: z.enum(['chat', 'responses']).optional(),
    // Confab's lean stream reader by default; the AI SDK package when a user wants it (and for
    // options the lean reader does not implement, which the registry detects by itself).
    client: z.enum(['lean', 'ai-sdk']).optional(),
    providerOptions: ProviderOptionsSchema.optional(),
    models: z.preprocess(
      (value) => (Array.isArray(value) ? Object.fromEntries(value.map((name) => [name, {}])) : value),
      z.record(z.string().min(1).regex(/^\S+$/, 'model names have no spaces'), ModelEntrySchema),
    ).optional(),
  })
  .superRefine((provider, context) => {
    if (provider.type === 'openai-compatible' && provider.baseURL === undefined) {
      context.addIssue({ code: 'custom', path: ['baseURL'], message: 'is required for type openai-compatible' });
    }
    if (provider.type !== 'openai-compatible' && provider.apiKey === undefined) {
      context.addIssue({ code: 'custom', path: ['apiKey'], message: `is required for type ${provider.type}` });
    }
    if (provider.api !== undefined && provider.type !== 'openai') {
      context.addIssue({ code: 'custom', path: ['api'], message: 'only applies to type openai' });
    }
  });
const ConfigFileSchema = z.strictObject({
  providers: z
    .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'provider names are letters, digits, _ . -'), z.discriminatedUnion('type', [ProviderSchema, AgentProviderSchema]))
    .optional(),
  pricing: z.record(z.string().regex(/^[^/]+\/.+$/, 'pricing keys are provider/model'), PricingSchema).optional(),
  defaultModel: z.string().regex(/^[^/]+\/.+$/, 'must be provider/model').optional(),
  titleModel: z.string().regex(/^[^/]+\/.+$/, 'must be provider/model').optional(),
  mcpServers: McpServersSchema.optional(),
  projects: McpProjectsSchema.optional(),
});

export function loadProviderConfig(options: LoadProviderConfigOptions): ProviderConfig {
  const { env } = options;
  const fromEnv = providersFromEnv(env);
  const path = options.configPath ?? nonEmpty(env.CONFAB_CONFIG);
  if (path === undefined) {
    return { providers: fromEnv, agents: [], pricing: {}, defaultModel: nonEmpty(env.CONFAB_DEFAULT_MODEL), titleModel: titleModelFromEnv(env), mcp: emptyMcpConfig };
  }
  const file = readConfigFile(path, options.readFile ?? ((p) => readFileSync(p, 'utf8')));
  const entries = Object.entries(file.providers ?? {});
  const agents = entries.flatMap(([name, provider]) => (isAgentType(provider.type) ? [toAgentSettings(name, provider as z.infer<typeof AgentProviderSchema>)] : []));
  const modelProviders = entries.flatMap(([name, provider]) => (isAgentType(provider.type) ? [] : [[name, provider as z.infer<typeof ProviderSchema>] as const]));
  const fromFile = modelProviders.map(([name, provider]): ProviderSettings => ({
    name,
    type: provider.type,
    baseURL: provider.baseURL?.replace(/\/+$/, ''),
    apiKey: resolveApiKey(provider.apiKey, env, path, name),
    headers: provider.headers,
    api: provider.api ?? 'chat',
    client: provider.client ?? 'lean',
    models: provider.models ? Object.fromEntries(Object.entries(provider.models).map(([model, entry]) => [model, toPricing(entry)])) : undefined,
    providerOptions: {
      provider: provider.providerOptions,
      models: Object.fromEntries(Object.entries(provider.models ?? {}).flatMap(([model, entry]) => (entry.providerOptions ? [[model, entry.providerOptions]] : []))),
    },
    source: 'file',
  }));
  const declared = new Set(entries.map(([name]) => name));
  return {
    providers: [...fromFile, ...fromEnv.filter((provider) => !declared.has(provider.name))],
    agents,
    pricing: file.pricing ?? {},
    defaultModel: file.defaultModel ?? nonEmpty(env.CONFAB_DEFAULT_MODEL),
    titleModel: file.titleModel ?? titleModelFromEnv(env),
    mcp: resolveMcpConfig(file, env, path),
  };
}

function titleModelFromEnv(env: Record<string, string | undefined>): string | undefined {
  const model = nonEmpty(env.CONFAB_TITLE_MODEL);
  if (model !== undefined && !/^[^/]+\/.+$/.test(model)) throw new ConfabError('bad_request', `CONFAB_TITLE_MODEL: must be provider/model, not "${model}".`);
  return model;
}

function providersFromEnv(env: Record<string, string | undefined>): ProviderSettings[] {
  const providers: ProviderSettings[] = [];
  const base = { headers: undefined, api: 'chat' as const, client: 'lean' as const, models: undefined, providerOptions: { provider: undefined, models: {} }, source: 'env' as const };
  const openaiKey = nonEmpty(env.OPENAI_API_KEY);
  if (openaiKey) {
    providers.push({ ...base, name: 'openai', type: 'openai', apiKey: openaiKey, baseURL: envURL(env, 'OPENAI_BASE_URL') });
  }
  const anthropicKey = nonEmpty(env.ANTHROPIC_API_KEY);
  if (anthropicKey) {
    providers.push({ ...base, name: 'anthropic', type: 'anthropic', apiKey: anthropicKey, baseURL: envURL(env, 'ANTHROPIC_BASE_URL') });
  }
  const ollamaHost = nonEmpty(env.OLLAMA_HOST);
  if (ollamaHost) {
    providers.push({ ...base, name: 'ollama', type: 'openai-compatible', apiKey: undefined, baseURL: ollamaBaseURL(ollamaHost) });
  }
  return providers;
}

/**
 * `OLLAMA_HOST` as Ollama itself reads it: without a scheme it is `http://` and port 11434
 * (`127.0.0.1:11434`, `localhost`); with one, the scheme's default port applies.
 */
export function ollamaBaseURL(host: string): string {
  const trimmed = host.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
  let url: URL;
  try {
    url = new URL(hasScheme ? trimmed : `http://${trimmed}`);
  } catch {
    throw new ConfabError('bad_request', `OLLAMA_HOST is not a valid host: ${JSON.stringify(host)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfabError('bad_request', `OLLAMA_HOST must be an http(s) address, got ${JSON.stringify(host)}`);
  }
  if (!hasScheme && url.port === '') url.port = '11434';
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}/v1`;
}

function envURL(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = nonEmpty(env[name]);
  if (value === undefined) return undefined;
  if (!HttpUrl.safeParse(value).success) throw new ConfabError('bad_request', `${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '');
}

function readConfigFile(path: string, readFile: (path: string) => string): z.infer<typeof ConfigFileSchema> {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ENOENT' ? 'file not found' : String((error as Error).message ?? error);
    throw new ConfabError('bad_request', `Cannot read config file ${path}: ${reason}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfabError('bad_request', `Config file ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = ConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`);
    throw new ConfabError('bad_request', `Invalid config file ${path}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

function resolveApiKey(apiKey: string | { env: string } | undefined, env: Record<string, string | undefined>, path: string, provider: string): string | undefined {
  if (apiKey === undefined || typeof apiKey === 'string') return apiKey;
  const value = nonEmpty(env[apiKey.env]);
  if (value === undefined) {
    throw new ConfabError('bad_request', `Invalid config file ${path}: providers.${provider}.apiKey: environment variable ${apiKey.env} is not set`);
  }
  return value;
}

function toPricing(entry: z.infer<typeof ModelEntrySchema>): Pricing | null {
  if (entry.inputPerMillion === undefined || entry.outputPerMillion === undefined) return null;
  const pricing: Pricing = { inputPerMillion: entry.inputPerMillion, outputPerMillion: entry.outputPerMillion };
  if (entry.cachedInputPerMillion !== undefined) pricing.cachedInputPerMillion = entry.cachedInputPerMillion;
  return pricing;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** The options a model's requests carry: its provider's, with the model's own merged in per key. */
export function providerOptionsFor(provider: ProviderSettings, model: string): ProviderOptions | undefined {
  return mergeByProvider(provider.providerOptions.provider, provider.providerOptions.models[model]);
}
