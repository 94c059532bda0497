import type { ProviderOptions, ProviderSettings } from '../provider-config.ts';
import { createAnthropicWire } from './anthropic-wire.ts';
import { createChatCompletionsWire } from './chat-completions-wire.ts';
import type { LeanWire } from './lean-step-source.ts';
import { createResponsesWire } from './responses-wire.ts';

/**
 * The lean wire that speaks a configured provider's protocol for one model. Throws `LeanUnsupported`
 * when its options ask for something the lean wire does not implement (the caller then uses the
 * AI SDK package for that model).
 */
export function leanWireFor(provider: ProviderSettings, model: string, baseURL: string, providerOptions: ProviderOptions | undefined): LeanWire {
  const config = { providerName: provider.name, modelId: model, baseURL, apiKey: provider.apiKey, headers: provider.headers, providerOptions };
  switch (provider.type) {
    case 'openai-compatible':
      return createChatCompletionsWire('openai-compatible', config);
    case 'openai':
      return provider.api === 'responses' ? createResponsesWire(config) : createChatCompletionsWire('openai', config);
    case 'anthropic':
      return createAnthropicWire(config);
  }
}
