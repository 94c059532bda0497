import { secureJsonParse, stringifyWithBigIntAndCycles } from '@ai-sdk/provider-utils';
import type { AssistantPromptContent, StepRequest } from '../stream-part.ts';
import { LeanUnsupported, type WireRequest } from './lean-step-source.ts';
import { openaiModelTraits } from './openai-model-traits.ts';
import { sendable, toolResultValue } from './prompt-values.ts';
import { endpoint, requestHeaders, type WireConfig } from './wire-config.ts';

/**
 * OpenAI Responses API requests, built as `@ai-sdk/openai` builds them for Confab's prompts: the
 * prompt as `input` items; with `store` (the API's default) parts that carry an OpenAI item id go
 * back as `item_reference`s (text only after its reasoning, for reasoning models; function calls
 * always in full, to pair with their outputs); without it, reasoning goes back with its summary
 * and encrypted content, and reasoning the API cannot take back is left out. Options implemented
 * are listed below; any other option the package reads keeps the model on the AI SDK path.
 */
const implemented = new Set([
  'store', 'reasoningEffort', 'reasoningSummary', 'user', 'parallelToolCalls', 'metadata', 'promptCacheKey',
  'safetyIdentifier', 'textVerbosity', 'systemMessageMode', 'forceReasoning', 'include', 'strictJsonSchema',
]);
/** Every option `@ai-sdk/openai` reads for the Responses API (its `openaiProviderOptions.language`). */
const known = new Set([
  ...implemented, 'conversation', 'includeWebSearchSources', 'instructions', 'logprobs', 'maxToolCalls',
  'previousResponseId', 'promptCacheOptions', 'promptCacheRetention', 'reasoningEffortUpdate', 'reasoningMode',
  'reasoningContext', 'serviceTier', 'passThroughUnsupportedFiles', 'textFormat', 'truncation', 'contextManagement',
  'compactionTrigger', 'allowedTools',
]);

export function createResponsesRequestBuilder(config: WireConfig): (request: StepRequest) => WireRequest {
  if (config.providerName.includes('azure')) throw new LeanUnsupported('an azure provider name');
  const options: Record<string, any> = config.providerOptions?.openai ?? {};
  const other = Object.keys(options).filter((key) => known.has(key) && !implemented.has(key));
  if (other.length > 0) throw new LeanUnsupported(`openai options ${other.join(', ')}`);
  const traits = openaiModelTraits(config.modelId);
  const reasoningModel: boolean = options.forceReasoning ?? traits.reasoning;
  const systemMode: string = options.systemMessageMode ?? (reasoningModel ? 'developer' : traits.systemMessageMode);
  const effort: string | undefined = options.reasoningEffort ?? undefined;
  const summary: string | undefined = options.reasoningSummary !== undefined ? options.reasoningSummary : effort != null && effort !== 'none' ? 'detailed' : undefined;
  let include: string[] | undefined = options.include;
  if (options.store === false && reasoningModel && !include?.includes('reasoning.encrypted_content')) include = [...(include ?? []), 'reasoning.encrypted_content'];
  const url = endpoint(config.baseURL, '/responses');
  const headers = requestHeaders({ authorization: `Bearer ${config.apiKey}` }, config.headers);

  return (request) => {
    if (request.tools.some((tool) => /"(propertyNames|pattern|allOf)"\s*:/.test(JSON.stringify(tool.inputSchema)))) {
      throw new LeanUnsupported('a tool schema the openai package rewrites');
    }
    return {
      url,
      headers,
      body: {
        model: config.modelId,
        input: responsesInput(request, systemMode, options.store ?? true, reasoningModel),
        ...(options.textVerbosity && { text: { verbosity: options.textVerbosity } }),
        metadata: options.metadata,
        parallel_tool_calls: options.parallelToolCalls,
        store: options.store,
        user: options.user,
        include,
        prompt_cache_key: options.promptCacheKey,
        safety_identifier: options.safetyIdentifier,
        ...(reasoningModel && (effort != null || summary != null) && { reasoning: { ...(effort != null && { effort }), ...(summary != null && { summary }) } }),
        tools:
          request.tools.length === 0
            ? undefined
            : request.tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: tool.inputSchema, strict: false })),
        stream: true,
      },
    };
  };
}

type Item = Record<string, any>;

function responsesInput(request: StepRequest, systemMode: string, store: boolean, reasoningModel: boolean): Item[] {
  let input: Item[] = [];
  if (request.system !== '' && systemMode !== 'remove') input.push({ role: systemMode, content: request.system });
  for (const message of request.messages) {
    if (message.role === 'user') input.push({ role: 'user', content: [{ type: 'input_text', text: message.text }] });
    else if (message.role === 'tool') {
      for (const result of message.results) {
        const output = toolResultValue(result.output, result.isError);
        const value = output.isError ? stringifyWithBigIntAndCycles({ error: output.value }) : output.kind === 'text' ? output.value : stringifyWithBigIntAndCycles(output.value);
        input.push({ type: 'function_call_output', call_id: result.toolCallId, output: value });
      }
    } else {
      const content = sendable(message.content);
      if (content.length > 0) input.push(...assistantItems(content, store, reasoningModel));
    }
  }
  if (!store) input = input.filter((item) => item.type !== 'reasoning' || item.encrypted_content != null);
  return input;
}

function assistantItems(content: AssistantPromptContent[], store: boolean, reasoningModel: boolean): Item[] {
  const items: Item[] = [];
  const reasoningItems = new Map<string, Item>();
  const referencedText = new Set<string>();
  let afterReasoning = false;
  for (const part of content) {
    const openai = (part.providerOptions as Record<string, Record<string, any>> | undefined)?.openai;
    if (openai?.parallelToolCall !== undefined || openai?.caller !== undefined || openai?.type !== undefined || openai?.promptCacheBreakpoint !== undefined) {
      throw new LeanUnsupported('openai metadata on a prompt part');
    }
    const id: string | undefined = openai?.itemId ?? undefined;
    if (part.type === 'text') {
      if (store && id != null && (!reasoningModel || afterReasoning)) {
        if (!referencedText.has(id)) {
          referencedText.add(id);
          items.push({ type: 'item_reference', id });
        }
      } else {
        items.push({ role: 'assistant', content: part.text, ...(openai?.phase != null && { phase: openai.phase }) });
      }
    } else if (part.type === 'tool-call') {
      items.push({
        type: 'function_call',
        call_id: part.toolCallId,
        name: part.toolName,
        arguments: toolArguments(part.input ?? {}),
        ...(openai?.async != null && { async: openai.async }),
        ...(openai?.namespace != null && { namespace: openai.namespace }),
      });
    } else {
      afterReasoning = true;
      const encrypted: string | undefined = openai?.reasoningEncryptedContent ?? undefined;
      const summary = part.text.length > 0 ? [{ type: 'summary_text', text: part.text }] : [];
      if (id == null) {
        if (encrypted != null) items.push({ type: 'reasoning', encrypted_content: encrypted, summary });
        continue;
      }
      const existing = reasoningItems.get(id);
      if (store) {
        if (existing === undefined) {
          items.push({ type: 'item_reference', id });
          reasoningItems.set(id, { type: 'reasoning', id, summary: [] });
        }
      } else if (existing === undefined) {
        const item = { type: 'reasoning', id, encrypted_content: encrypted, summary };
        reasoningItems.set(id, item);
        items.push(item);
      } else {
        existing.summary.push(...summary);
        if (encrypted != null) existing.encrypted_content = encrypted;
      }
    }
  }
  return items;
}

function toolArguments(input: unknown): string {
  if (typeof input !== 'string') return stringifyWithBigIntAndCycles(input);
  try {
    secureJsonParse(input);
    return input;
  } catch {
    return stringifyWithBigIntAndCycles(input);
  }
}
