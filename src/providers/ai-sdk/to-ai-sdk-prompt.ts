import type {
  JSONSchema7,
  JSONValue,
  LanguageModelV4FunctionTool,
  LanguageModelV4ReasoningPart,
  LanguageModelV4TextPart,
  LanguageModelV4ToolCallPart,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
  LanguageModelV4ToolResultOutput,
  SharedV4ProviderOptions,
} from '@ai-sdk/provider';
import type { AssistantPromptContent, PromptMessage, ToolSpec } from '../stream-part.ts';

/**
 * Our provider-neutral prompt in the AI SDK's language-model form. Empty text and reasoning parts
 * are dropped, and so is an assistant message left with nothing in it: Anthropic rejects empty
 * content blocks, and an empty part carries nothing for any provider.
 */
export function toAiSdkPrompt(system: string, messages: PromptMessage[]): LanguageModelV4Prompt {
  const prompt: LanguageModelV4Prompt = [];
  if (system !== '') prompt.push({ role: 'system', content: system });
  for (const message of messages) {
    const converted = toMessage(message);
    if (converted) prompt.push(converted);
  }
  return prompt;
}

export function toAiSdkTools(tools: ToolSpec[]): LanguageModelV4FunctionTool[] | undefined {
  if (tools.length === 0) return undefined;
  return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, inputSchema: tool.inputSchema as JSONSchema7 }));
}

function toMessage(message: PromptMessage): LanguageModelV4Message | undefined {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: [{ type: 'text', text: message.text }] };
    case 'assistant': {
      const content = message.content.flatMap(toAssistantPart);
      return content.length > 0 ? { role: 'assistant', content } : undefined;
    }
    case 'tool':
      if (message.results.length === 0) return undefined;
      return {
        role: 'tool',
        content: message.results.map((result) => ({
          type: 'tool-result',
          toolCallId: result.toolCallId,
          toolName: result.toolName,
          output: toToolOutput(result.output, result.isError),
        })),
      };
  }
}

type AssistantPart = LanguageModelV4TextPart | LanguageModelV4ReasoningPart | LanguageModelV4ToolCallPart;

function toAssistantPart(part: AssistantPromptContent): AssistantPart[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [{ type: 'text', text: part.text, ...withOptions(part) }];
    case 'reasoning':
      // Empty reasoning with metadata is redacted reasoning: kept, the provider needs it back.
      return part.text === '' && !part.providerOptions ? [] : [{ type: 'reasoning', text: part.text, ...withOptions(part) }];
    case 'tool-call':
      return [{ type: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, input: part.input ?? {}, ...withOptions(part) }];
  }
}

const withOptions = (part: AssistantPromptContent) => (part.providerOptions ? { providerOptions: part.providerOptions as SharedV4ProviderOptions } : {});

/** Strings go as text, anything else as JSON; errors keep their error flavour so the model sees them. */
export function toToolOutput(output: unknown, isError: boolean): LanguageModelV4ToolResultOutput {
  if (typeof output === 'string') return { type: isError ? 'error-text' : 'text', value: output };
  return { type: isError ? 'error-json' : 'json', value: toJsonValue(output) };
}

function toJsonValue(value: unknown): JSONValue {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JSONValue;
  } catch {
    return String(value);
  }
}
