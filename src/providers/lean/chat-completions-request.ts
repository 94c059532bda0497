import { secureJsonParse, stringifyWithBigIntAndCycles } from '@ai-sdk/provider-utils';
import type { StepRequest, ToolSpec } from '../stream-part.ts';
import { LeanUnsupported, type WireRequest } from './lean-step-source.ts';
import { openaiModelTraits } from './openai-model-traits.ts';
import { sendable, toolResultValue } from './prompt-values.ts';
import { endpoint, requestHeaders, type WireConfig } from './wire-config.ts';
import { isRecord } from './wire-errors.ts';

/**
 * Chat-completions requests, built as the AI SDK packages build them for Confab's prompts, in two
 * dialects: `openai-compatible` (`@ai-sdk/openai-compatible`: Ollama, vLLM, llama.cpp, OpenRouter:
 * reasoning goes back as `reasoning_content`, the provider's own options pass through raw) and
 * `openai` (`@ai-sdk/openai` chat: reasoning models get a `developer` prompt, error results go as
 * `{"error": …}`, the options below). Anything else, the model runs on the AI SDK path.
 */
export type ChatDialect = 'openai-compatible' | 'openai';

const compatibleOptionKeys = ['user', 'reasoningEffort', 'textVerbosity', 'strictJsonSchema'] as const;
/** `@ai-sdk/openai` chat options this builder implements, with the type each must have. */
const openaiOptionTypes: Record<string, (value: unknown) => boolean> = {
  user: (value) => typeof value === 'string',
  parallelToolCalls: (value) => typeof value === 'boolean',
  store: (value) => typeof value === 'boolean',
  metadata: (value) => isRecord(value) && Object.values(value).every((entry) => typeof entry === 'string'),
  reasoningEffort: (value) => ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'].includes(value as string),
  maxCompletionTokens: (value) => typeof value === 'number',
  promptCacheKey: (value) => typeof value === 'string',
  safetyIdentifier: (value) => typeof value === 'string',
  textVerbosity: (value) => ['low', 'medium', 'high'].includes(value as string),
  systemMessageMode: (value) => ['system', 'developer', 'remove'].includes(value as string),
  forceReasoning: (value) => typeof value === 'boolean',
  strictJsonSchema: (value) => typeof value === 'boolean',
};
/** Options the package reads that this builder does not implement. */
const openaiOtherOptions = ['logitBias', 'logprobs', 'prediction', 'serviceTier', 'promptCacheOptions', 'promptCacheRetention'];

/** Throws `LeanUnsupported` at once for a configuration this builder does not implement. */
export function createChatRequestBuilder(dialect: ChatDialect, config: WireConfig): (request: StepRequest) => WireRequest {
  const url = endpoint(config.baseURL, '/chat/completions');
  const headers = requestHeaders({ authorization: config.apiKey ? `Bearer ${config.apiKey}` : undefined }, config.headers);
  if (dialect === 'openai-compatible') {
    const { options, passThrough, metadataKey } = compatibleOptions(config);
    return (request) => ({
      url,
      headers,
      body: {
        model: config.modelId,
        user: options.user,
        ...passThrough,
        ...(options.reasoningEffort !== undefined ? { reasoning_effort: options.reasoningEffort } : {}),
        ...(options.textVerbosity !== undefined ? { verbosity: options.textVerbosity } : {}),
        messages: compatibleMessages(request, metadataKey),
        tools: chatTools(request.tools),
        stream: true,
        stream_options: { include_usage: true },
      },
    });
  }
  // The package also reads an `azure` key when the provider's name contains "azure".
  if (config.providerName.includes('azure')) throw new LeanUnsupported('an azure provider name');
  const options: Record<string, any> = config.providerOptions?.openai ?? {};
  for (const [key, value] of Object.entries(options)) {
    if (openaiOtherOptions.includes(key) || (openaiOptionTypes[key] && value !== undefined && !openaiOptionTypes[key](value))) throw new LeanUnsupported(`openai option ${key}`);
  }
  const traits = openaiModelTraits(config.modelId);
  const reasoningModel = options.forceReasoning ?? traits.reasoning;
  const systemMode: string = options.systemMessageMode ?? (reasoningModel ? 'developer' : traits.systemMessageMode);
  return (request) => {
    if (request.tools.some((tool) => /"(propertyNames|pattern|allOf)"\s*:/.test(JSON.stringify(tool.inputSchema)))) {
      throw new LeanUnsupported('a tool schema the openai package rewrites');
    }
    const noReasoning = !traits.functionToolsWithReasoning && options.reasoningEffort == null && request.tools.length > 0;
    return {
      url,
      headers,
      body: {
        model: config.modelId,
        user: options.user,
        parallel_tool_calls: options.parallelToolCalls,
        verbosity: options.textVerbosity,
        max_completion_tokens: options.maxCompletionTokens,
        store: options.store,
        metadata: options.metadata,
        reasoning_effort: noReasoning ? 'none' : (options.reasoningEffort ?? undefined),
        prompt_cache_key: options.promptCacheKey,
        safety_identifier: options.safetyIdentifier,
        messages: openaiMessages(request, systemMode),
        tools: chatTools(request.tools),
        stream: true,
        stream_options: { include_usage: true },
      },
    };
  };
}

/** The key `@ai-sdk/openai-compatible` files metadata under: the provider's name, camel-cased when the options use that form. */
export function compatibleMetadataKey(config: WireConfig): string {
  const name = config.providerName;
  const camel = camelCase(name);
  return camel !== name && config.providerOptions?.[camel] != null ? camel : name;
}

const camelCase = (name: string) => name.replace(/[_-]([a-z])/g, (match) => match[1].toUpperCase());

function compatibleOptions(config: WireConfig) {
  const name = config.providerName;
  const camel = camelCase(name);
  const all: Record<string, any> = config.providerOptions ?? {};
  const options: Record<string, any> = {};
  for (const namespace of new Set(['openai-compatible', 'openaiCompatible', name, camel])) {
    const values = all[namespace];
    if (values == null) continue;
    for (const key of compatibleOptionKeys) if (values[key] !== undefined) options[key] = values[key];
  }
  if (options.user !== undefined && typeof options.user !== 'string') throw new LeanUnsupported('an invalid user option');
  const passThrough = Object.fromEntries(Object.entries({ ...all[name], ...all[camel] }).filter(([key]) => !(compatibleOptionKeys as readonly string[]).includes(key)));
  return { options, passThrough, metadataKey: compatibleMetadataKey(config) };
}

function compatibleMessages(request: StepRequest, metadataKey: string): unknown[] {
  const messages: unknown[] = request.system === '' ? [] : [{ role: 'system', content: request.system }];
  for (const message of request.messages) {
    if (message.role === 'user') messages.push({ role: 'user', content: message.text });
    else if (message.role === 'tool') {
      for (const result of message.results) {
        const output = toolResultValue(result.output, result.isError);
        messages.push({ role: 'tool', tool_call_id: result.toolCallId, content: output.kind === 'text' ? output.value : stringifyWithBigIntAndCycles(output.value) });
      }
    } else {
      const content = sendable(message.content);
      if (content.length === 0) continue;
      let text = '';
      let reasoning = '';
      const toolCalls: unknown[] = [];
      for (const part of content) {
        if (part.type === 'text') text += part.text;
        else if (part.type === 'reasoning') reasoning += part.text;
        else {
          const options = part.providerOptions as Record<string, any> | undefined;
          const signature = options?.[metadataKey]?.thoughtSignature ?? options?.google?.thoughtSignature;
          toolCalls.push({
            id: part.toolCallId,
            type: 'function',
            function: { name: part.toolName, arguments: compatibleArguments(part.input ?? {}) },
            ...options?.openaiCompatible,
            ...(signature ? { extra_content: { google: { thought_signature: String(signature) } } } : {}),
          });
        }
      }
      messages.push({
        role: 'assistant',
        content: toolCalls.length > 0 ? text || null : text,
        ...(reasoning.length > 0 ? { reasoning_content: reasoning } : {}),
        tool_calls: toolCalls.length > 0 ? toolCalls : undefined,
      });
    }
  }
  return messages;
}

function openaiMessages(request: StepRequest, systemMode: string): unknown[] {
  const messages: unknown[] = [];
  if (request.system !== '' && systemMode !== 'remove') messages.push({ role: systemMode, content: request.system });
  for (const message of request.messages) {
    if (message.role === 'user') messages.push({ role: 'user', content: message.text });
    else if (message.role === 'tool') {
      for (const result of message.results) {
        const output = toolResultValue(result.output, result.isError);
        const content = output.kind === 'text' && !output.isError ? output.value : stringifyWithBigIntAndCycles(output.isError ? { error: output.value } : output.value);
        messages.push({ role: 'tool', tool_call_id: result.toolCallId, content });
      }
    } else {
      const content = sendable(message.content);
      if (content.length === 0) continue;
      if (content.some((part) => (part.providerOptions as Record<string, any> | undefined)?.openai?.promptCacheBreakpoint != null)) {
        throw new LeanUnsupported('prompt cache breakpoints');
      }
      let text = '';
      const toolCalls: unknown[] = [];
      for (const part of content) {
        if (part.type === 'text') text += part.text;
        else if (part.type === 'tool-call') {
          toolCalls.push({ id: part.toolCallId, type: 'function', function: { name: part.toolName, arguments: openaiArguments(part.input ?? {}) } });
        }
      }
      messages.push({ role: 'assistant', content: toolCalls.length > 0 ? text || null : text, tool_calls: toolCalls.length > 0 ? toolCalls : undefined });
    }
  }
  return messages;
}

function chatTools(tools: ToolSpec[]): unknown[] | undefined {
  if (tools.length === 0) return undefined;
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }));
}

function compatibleArguments(input: unknown): string {
  if (typeof input !== 'string') return stringifyWithBigIntAndCycles(input);
  try {
    secureJsonParse(input);
    return input;
  } catch {
    return JSON.stringify(input);
  }
}

function openaiArguments(input: unknown): string {
  if (typeof input === 'string') {
    try {
      const parsed = secureJsonParse(input);
      return typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) ? '{}' : input;
    } catch {
      return '{}';
    }
  }
  return stringifyWithBigIntAndCycles(typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {});
}
