import { getModelCapabilities } from '@ai-sdk/anthropic/internal';
import { secureJsonParse, stringifyWithBigIntAndCycles } from '@ai-sdk/provider-utils';
import type { AssistantPromptContent, PromptMessage, StepRequest } from '../stream-part.ts';
import { LeanUnsupported, type WireRequest } from './lean-step-source.ts';
import { sendable, toolResultValue } from './prompt-values.ts';
import { endpoint, requestHeaders, unsupportedKeys, type WireConfig } from './wire-config.ts';
import { isRecord } from './wire-errors.ts';

/**
 * Anthropic Messages requests, built as `@ai-sdk/anthropic` builds them for Confab's prompts:
 * `max_tokens` from the package's model catalog (plus the thinking budget), `system` as text
 * blocks, user and tool turns merged into one user message, signed and redacted thinking sent back
 * before the tool calls they led to, the trailing text of a prefill trimmed, tools with
 * `eager_input_streaming`, and the betas those imply. Options implemented: `thinking` (enabled with
 * a budget, adaptive with a display, disabled, between tools), `effort`, `sendReasoning`,
 * `toolStreaming`; anything else keeps the model on the AI SDK path.
 */
const implemented = new Set(['thinking', 'effort', 'sendReasoning', 'toolStreaming']);
const efforts = ['low', 'medium', 'high', 'xhigh', 'max'];

export function createAnthropicRequestBuilder(config: WireConfig): (request: StepRequest) => WireRequest {
  const options: Record<string, any> = config.providerOptions?.anthropic ?? {};
  const unsupported = unsupportedKeys(options, implemented);
  if (unsupported.length > 0) throw new LeanUnsupported(`anthropic options ${unsupported.join(', ')}`);
  const model = getModelCapabilities(config.modelId);
  const { thinking, effort } = thinkingSettings(options, model);
  const sendReasoning = options.sendReasoning ?? true;
  const eagerInputStreaming = options.toolStreaming ?? true;
  if (typeof sendReasoning !== 'boolean' || typeof eagerInputStreaming !== 'boolean') throw new LeanUnsupported('an invalid anthropic option');

  const thinkingType: string | undefined = thinking?.type;
  const isThinking = thinkingType === 'enabled' || thinkingType === 'adaptive' || thinkingType === 'between_tools';
  const budget = thinkingType === 'enabled' ? (thinking?.budgetTokens ?? 1024) : undefined;
  const display = thinkingType === 'adaptive' ? thinking?.display : undefined;
  let maxTokens = model.maxOutputTokens + (isThinking ? (budget ?? 0) : 0);
  if (model.isKnownModel && maxTokens > model.maxOutputTokens) maxTokens = model.maxOutputTokens;
  const settings = {
    max_tokens: maxTokens,
    ...(thinking !== undefined && {
      thinking: { ...(thinkingType != null && { type: thinkingType }), ...(budget != null && { budget_tokens: budget }), ...(display != null && { display }) },
    }),
    ...(effort && { output_config: { effort } }),
  };

  const configuredBetas = (Object.entries(config.headers ?? {}).find(([name]) => name === 'anthropic-beta')?.[1] ?? '')
    .toLowerCase()
    .split(',')
    .map((beta) => beta.trim())
    .filter((beta) => beta !== '');
  const url = endpoint(config.baseURL, '/messages');
  const baseHeaders = requestHeaders({ 'anthropic-version': '2023-06-01', 'x-api-key': config.apiKey }, config.headers);

  return (request) => {
    const betas = new Set<string>();
    if (display === 'updates') betas.add('thinking-display-updates-2026-08-18');
    if (request.tools.length > 0 && model.supportsStructuredOutput) betas.add('structured-outputs-2025-11-13');
    for (const beta of configuredBetas) betas.add(beta);
    const headers = betas.size > 0 ? { ...baseHeaders, 'anthropic-beta': [...betas].join(',') } : baseHeaders;
    return {
      url,
      headers,
      body: {
        model: config.modelId,
        ...settings,
        system: request.system === '' ? undefined : [{ type: 'text', text: request.system }],
        messages: anthropicMessages(request.messages, sendReasoning),
        tools:
          request.tools.length === 0
            ? undefined
            : request.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema, ...(eagerInputStreaming && { eager_input_streaming: true }) })),
        stream: true,
      },
    };
  };
}

/** The package's rewrites of `thinking` and `effort` for what a model accepts (no `reasoning` call option: Confab sends none). */
function thinkingSettings(options: Record<string, any>, model: ReturnType<typeof getModelCapabilities>) {
  let thinking = options.thinking as Record<string, any> | undefined;
  let effort = options.effort as string | undefined;
  if (effort !== undefined && !efforts.includes(effort)) throw new LeanUnsupported('an invalid anthropic effort');
  if (thinking !== undefined) {
    const known = isRecord(thinking) && ['enabled', 'adaptive', 'disabled', 'between_tools'].includes(thinking.type);
    const extra = Object.keys(thinking ?? {}).filter((key) => !['type', 'budgetTokens', 'display'].includes(key));
    if (!known || extra.length > 0) throw new LeanUnsupported('this anthropic thinking setting');
  }
  if (model.rejectsThinkingDisabled && thinking?.type === 'disabled') thinking = model.supportsBetweenToolsThinking ? { type: 'between_tools' } : undefined;
  if (model.rejectsBudgetThinking && thinking?.type === 'enabled') thinking = { type: 'adaptive' };
  if (model.rejectsThinkingDisabledAboveHighEffort && thinking?.type === 'disabled' && (effort === 'xhigh' || effort === 'max')) effort = 'high';
  if (thinking?.type === 'between_tools' && (effort === 'xhigh' || effort === 'max')) effort = 'high';
  return { thinking, effort };
}

type Block = Record<string, unknown>;

function anthropicMessages(messages: PromptMessage[], sendReasoning: boolean): unknown[] {
  // Consecutive user and tool messages form one user turn; consecutive assistant messages one assistant turn.
  const groups: { role: 'user' | 'assistant'; messages: PromptMessage[] }[] = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    if (message.role === 'assistant' && sendable(message.content).length === 0) continue;
    if (message.role === 'tool' && message.results.length === 0) continue;
    const last = groups.at(-1);
    if (last?.role === role) last.messages.push(message);
    else groups.push({ role, messages: [message] });
  }
  const out: unknown[] = [];
  groups.forEach((group, index) => {
    if (group.role === 'user') {
      const content: Block[] = [];
      for (const message of group.messages) {
        if (message.role === 'user') content.push({ type: 'text', text: message.text });
        else if (message.role === 'tool') {
          for (const result of message.results) {
            const output = toolResultValue(result.output, result.isError);
            content.push({
              type: 'tool_result',
              tool_use_id: result.toolCallId,
              content: output.kind === 'text' ? output.value : stringifyWithBigIntAndCycles(output.value),
              ...(output.isError && { is_error: true }),
            });
          }
        }
      }
      out.push({ role: 'user', content });
      return;
    }
    const content: Block[] = [];
    group.messages.forEach((message, m) => {
      const parts = sendable((message as { content: AssistantPromptContent[] }).content);
      parts.forEach((part, p) => {
        const last = index === groups.length - 1 && m === group.messages.length - 1 && p === parts.length - 1;
        const block = assistantBlock(part, sendReasoning, last);
        if (block) content.push(block);
      });
    });
    if (content.length > 0) out.push({ role: 'assistant', content: toolUseLast(content) });
  });
  return out;
}

function assistantBlock(part: AssistantPromptContent, sendReasoning: boolean, lastOfPrompt: boolean): Block | undefined {
  const metadata = (part.providerOptions as Record<string, Record<string, unknown>> | undefined)?.anthropic;
  if (metadata?.caller !== undefined || metadata?.toolsetName !== undefined || metadata?.type !== undefined || metadata?.citations !== undefined) {
    throw new LeanUnsupported('anthropic metadata on a prompt part');
  }
  switch (part.type) {
    case 'text':
      // A prefill (the prompt ends in assistant text) may not end in whitespace.
      return { type: 'text', text: lastOfPrompt ? part.text.trim() : part.text };
    case 'reasoning':
      if (!sendReasoning || !metadata) return undefined;
      if (typeof metadata.signature === 'string') return { type: 'thinking', thinking: part.text, signature: metadata.signature };
      if (typeof metadata.redactedData === 'string') return { type: 'redacted_thinking', data: metadata.redactedData };
      return undefined;
    case 'tool-call':
      return { type: 'tool_use', id: part.toolCallId, name: part.toolName, input: toolInput(part.input ?? {}) };
  }
}

/** Within each run between thinking blocks, tool_use blocks go last (as the package orders them). */
function toolUseLast(content: Block[]): Block[] {
  const result: Block[] = [];
  let segment: Block[] = [];
  const flush = () => {
    result.push(...segment.filter((block) => block.type !== 'tool_use'), ...segment.filter((block) => block.type === 'tool_use'));
    segment = [];
  };
  for (const block of content) {
    if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      flush();
      result.push(block);
    } else segment.push(block);
  }
  flush();
  return result;
}

/** Anthropic wants an object: JSON text is parsed, anything else is wrapped. */
function toolInput(input: unknown): Record<string, unknown> {
  if (typeof input === 'string') {
    try {
      const parsed = secureJsonParse(input);
      if (isRecord(parsed)) return parsed;
    } catch {
      // wrapped below
    }
  }
  return isRecord(input) ? input : { rawInvalidInput: input };
}
