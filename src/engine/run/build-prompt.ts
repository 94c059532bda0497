import type { Message, ProviderMetadata } from '../../domain/schemas.ts';
import { toolResultOf } from '../../domain/tool-state.ts';
import type { AssistantPromptContent, PromptMessage } from '../../providers/stream-part.ts';
import { renderContextForModel } from '../../tools/context.ts';

const notRun = 'The tool was not run: the run ended before it could finish.';

/**
 * Turns stored messages into the provider-neutral prompt. An assistant message holds every step of
 * its run in order (text, tool calls, more text); it becomes alternating assistant and tool
 * messages, each tool call's result read from its state. A call that never settled (the run was
 * stopped mid-tool) gets an error result, so the history stays valid for every provider. The calls
 * of one step (one model response) go in one assistant turn, their results in one tool message.
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

/** A user message as the text of one prompt: its attached context rendered before its words. */
export function userPromptText(message: Message): string {
  const [prompt] = buildPrompt([message]);
  return prompt?.role === 'user' ? prompt.text : '';
}

function appendAssistant(prompt: PromptMessage[], message: Message): void {
  let content: AssistantPromptContent[] = [];
  let results: Extract<PromptMessage, { role: 'tool' }>['results'] = [];
  let step = 0;

  const flush = () => {
    if (content.length > 0) prompt.push({ role: 'assistant', content });
    if (results.length > 0) prompt.push({ role: 'tool', results });
    content = [];
    results = [];
  };

  for (const part of message.parts) {
    if (part.kind === 'text' || part.kind === 'reasoning') {
      if (results.length > 0) flush();
      // Redacted reasoning has no text, only metadata, and the provider needs it back.
      if (part.text !== '' || part.providerMetadata) content.push({ type: part.kind, text: part.text, ...providerOptions(part) });
    } else if (part.kind === 'tool-call') {
      const { toolCallId, toolName, state } = part;
      // A later step's calls start a new turn: the model made them after reading these results.
      if (results.length > 0 && part.step !== step) flush();
      step = part.step;
      content.push({ type: 'tool-call', toolCallId, toolName, input: state.input, ...providerOptions(part) });
      results.push({ toolCallId, toolName, ...(toolResultOf(state) ?? { output: notRun, isError: true }) });
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
    part.kind === 'tool-call' || ((part.kind === 'text' || part.kind === 'reasoning') && (part.text !== '' || part.providerMetadata !== undefined)),
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
