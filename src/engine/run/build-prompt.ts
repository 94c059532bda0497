import type { Message, ProviderMetadata } from '../../domain/schemas.ts';
import type { AssistantPromptContent, PromptMessage } from '../../providers/stream-part.ts';
import { renderContextForModel } from '../../tools/context.ts';

const notRun = 'The tool was not run: the run ended before it could finish.';

/**
 * Turns stored messages into the provider-neutral prompt. An assistant message holds every step of
 * its run in order (text, tool calls, tool results, more text); it becomes alternating assistant
 * and tool messages. Tool calls that never got a result (the run was stopped mid-tool) get an error
 * result, so the history stays valid for every provider.
 */
export function buildPrompt(messages: Message[]): PromptMessage[] {
  const prompt: PromptMessage[] = [];
  for (const message of messages) {
    if (message.role === 'user') {
      const context = message.parts.filter((part) => part.kind === 'context');
      const text = message.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');
      const rendered = context.length > 0 ? `${renderContextForModel(context)}\n\n${text}` : text;
      prompt.push({ role: 'user', text: rendered });
    } else {
      appendAssistant(prompt, message);
    }
  }
  trimTrailingAssistantWhitespace(prompt);
  return prompt;
}

function appendAssistant(prompt: PromptMessage[], message: Message): void {
  let content: AssistantPromptContent[] = [];
  let open = new Map<string, { toolName: string }>();
  let results: Extract<PromptMessage, { role: 'tool' }>['results'] = [];

  const flush = () => {
    if (content.length > 0) prompt.push({ role: 'assistant', content });
    const answered = new Set(results.map((result) => result.toolCallId));
    for (const [toolCallId, call] of open) {
      if (!answered.has(toolCallId)) results.push({ toolCallId, toolName: call.toolName, output: notRun, isError: true });
    }
    if (results.length > 0) prompt.push({ role: 'tool', results });
    content = [];
    open = new Map();
    results = [];
  };

  for (const part of message.parts) {
    if (part.kind === 'text' || part.kind === 'reasoning') {
      if (results.length > 0) flush();
      // Redacted reasoning has no text, only metadata, and the provider needs it back.
      if (part.text !== '' || part.providerMetadata) content.push({ type: part.kind, text: part.text, ...providerOptions(part) });
    } else if (part.kind === 'tool-call') {
      if (results.length > 0) flush();
      content.push({ type: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, input: part.input, ...providerOptions(part) });
      open.set(part.toolCallId, { toolName: part.toolName });
    } else if (part.kind === 'tool-result') {
      results.push({ toolCallId: part.toolCallId, toolName: part.toolName, output: part.output, isError: part.isError });
    }
  }
  flush();
}

const providerOptions = (part: { providerMetadata?: ProviderMetadata }) => (part.providerMetadata ? { providerOptions: part.providerMetadata } : {});

/**
 * The whitespace `buildPrompt` trims off the end of the pre-fill (the last message, when it is the
 * assistant's and ends with text): what the model does not see but the stored message holds.
 */
export function prefillTrim(messages: Message[]): string {
  const last = messages.at(-1);
  if (last?.role !== 'assistant') return '';
  const inPrompt = last.parts.filter((part) =>
    part.kind === 'tool-call' || part.kind === 'tool-result' || ((part.kind === 'text' || part.kind === 'reasoning') && (part.text !== '' || part.providerMetadata !== undefined)),
  );
  const tail = inPrompt.at(-1);
  return tail?.kind === 'text' ? /\s*$/.exec(tail.text)![0] : '';
}

/** Providers that accept a trailing assistant message (prefill, used by `continue`) reject trailing whitespace. */
function trimTrailingAssistantWhitespace(prompt: PromptMessage[]): void {
  const last = prompt.at(-1);
  if (last?.role !== 'assistant') return;
  const tail = last.content.at(-1);
  if (tail?.type === 'text') {
    tail.text = tail.text.trimEnd();
    if (tail.text === '') last.content.pop();
    if (last.content.length === 0) prompt.pop();
  }
}
