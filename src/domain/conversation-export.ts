/**
 * A conversation as a file: the JSON export (every message of every branch, with parts, usage and
 * cost; what `import` reads back) and a Markdown rendering of the branch shown. Browser-safe.
 */
import { z } from 'zod';
import { activeBranch } from './branches.ts';
import { ConversationSchema, MessageSchema, type Conversation, type Message, type Part, type Usage, type Cost } from './schemas.ts';

export const conversationExportFormat = 'confab.conversation';

export const ConversationExportSchema = z.object({
  format: z.literal(conversationExportFormat),
  version: z.literal(1),
  exportedAt: z.number(),
  conversation: ConversationSchema,
  /** The whole tree of messages in the order written (`parentId` links them). */
  messages: z.array(MessageSchema),
});

export type ConversationExport = z.infer<typeof ConversationExportSchema>;

export function exportConversation(conversation: Conversation, messages: Message[], exportedAt: number): ConversationExport {
  return { format: conversationExportFormat, version: 1, exportedAt, conversation, messages };
}

/** The branch shown as Markdown: a heading, one section per message, tool calls and context as quotes and code. */
export function conversationMarkdown(conversation: Conversation, messages: Message[]): string {
  const lines = [`# ${conversation.title === '' ? 'Untitled conversation' : conversation.title}`, ''];
  const facts = [`Project: ${conversation.projectName}`, `Model: ${conversation.model || 'none'}`, `Created: ${new Date(conversation.createdAt).toISOString()}`];
  if (conversation.usage.inputTokens + conversation.usage.outputTokens > 0) facts.push(`Usage: ${usageText(conversation.usage, conversation.cost)}`);
  lines.push(facts.join(' · '), '');
  for (const message of activeBranch(messages, conversation.activeMessageId)) {
    const who = message.role === 'user' ? 'You' : `Assistant${message.model ? ` (${message.model})` : ''}`;
    lines.push(`## ${who}`, '');
    for (const part of message.parts) lines.push(...partMarkdown(part));
    if (message.role === 'assistant') {
      const notes = [message.status === 'completed' ? '' : message.status, message.usage ? usageText(message.usage, message.cost) : ''].filter((note) => note !== '');
      if (notes.length > 0) lines.push(`*${notes.join(' · ')}*`, '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function partMarkdown(part: Part): string[] {
  switch (part.kind) {
    case 'text':
      return part.text === '' ? [] : [part.text, ''];
    case 'reasoning':
      return part.text === '' ? [] : ['<details><summary>Reasoning</summary>', '', part.text, '', '</details>', ''];
    case 'context':
      return [`Attached \`${part.path}\`${part.range ? ` (lines ${part.range.start}–${part.range.end})` : ''}:`, '', ...fenced(part.content), ''];
    case 'tool-call': {
      const state = part.state;
      const head = `> Tool \`${part.toolName}\` (${state.status}): \`${oneLine(JSON.stringify(state.input) ?? '')}\``;
      const result = state.status === 'completed' ? state.output : state.status === 'error' ? state.error : undefined;
      return result === undefined ? [head, ''] : [head, '', ...fenced(typeof result === 'string' ? result : JSON.stringify(result, null, 2)), ''];
    }
    case 'error':
      return [`> **Error** (${part.code}): ${part.message}`, ''];
    case 'plan':
      return [...part.entries.map((entry) => `- [${entry.status === 'completed' ? 'x' : ' '}] ${entry.content}`), ''];
  }
}

/** A code fence longer than any run of backticks in the text, so the text cannot end it. */
function fenced(text: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  return [fence, text.replace(/\n$/, ''), fence];
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').replaceAll('`', "'");
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

function usageText(usage: Usage, cost: Cost | null): string {
  const tokens = `${usage.estimated ? '~' : ''}${usage.inputTokens} in, ${usage.outputTokens} out tokens`;
  return cost ? `${tokens} · ${cost.estimated ? '~' : ''}$${cost.amount.toFixed(cost.amount >= 0.01 ? 2 : 6)}` : tokens;
}
