import { activeBranch, branchTree, siblingsOf } from '../client/index.ts';
import type { ConversationSummary, Message, Part } from '../client/index.ts';
import { formatAge, formatTable, formatTime } from './format-table.ts';
import { formatCost, formatPlan, formatToolCall, formatUsage, shorten } from './reply-format.ts';
import type { Style } from './terminal-style.ts';

/** A conversation list as a table; `marked` gets a `*`, rows are numbered from 1 (for `/switch N`). */
export function formatConversationTable(conversations: ConversationSummary[], now: number, marked?: string): string {
  const rows = conversations.map((conversation, index) => [
    conversation.id === marked ? '*' : ' ',
    String(index + 1),
    conversation.id,
    conversation.projectName,
    formatAge(conversation.updatedAt, now),
    String(conversation.messageCount),
    conversation.model,
    conversation.title === '' ? '(untitled)' : shorten(conversation.title, 60),
  ]);
  return formatTable([' ', '#', 'ID', 'PROJECT', 'UPDATED', 'MSGS', 'MODEL', 'TITLE'], rows);
}

/** One message, as `conversations show` prints it: a header line, then its parts. */
export function formatMessage(message: Message, style: Style, maxChars = Number.POSITIVE_INFINITY, version?: { index: number; count: number }): string {
  const details = [formatTime(message.createdAt)];
  if (version) details.push(`version ${version.index + 1}/${version.count}`);
  if (message.role === 'assistant') {
    if (message.model) details.push(message.model);
    if (message.status !== 'completed') details.push(message.status);
    if (message.usage) details.push(formatUsage(message.usage));
    if (message.cost) details.push(formatCost(message.cost));
  }
  const header = style.bold(message.role === 'user' ? 'user' : 'assistant') + style.dim(` · ${details.join(' · ')}`);
  const body = message.parts.map((part) => formatPart(part, style, maxChars)).filter((line) => line !== '');
  return [header, ...body].join('\n');
}

function formatPart(part: Part, style: Style, maxChars: number): string {
  switch (part.kind) {
    case 'text':
      return part.text.length > maxChars ? `${part.text.slice(0, maxChars)}…` : part.text;
    case 'reasoning':
      return style.dim(part.text === '' ? '(reasoning hidden by the provider)' : `(reasoning) ${shorten(part.text, Math.min(maxChars, 200))}`);
    case 'tool-call': {
      // The result lives in the call's state: a line under the call once it settled.
      const call = style.dim(formatToolCall(part));
      const { state } = part;
      if (state.status === 'completed') {
        const output = typeof state.output === 'string' ? state.output : JSON.stringify(state.output) ?? '';
        return `${call}\n${style.dim(`  → ${part.toolName}: ${shorten(output, 120)}`)}`;
      }
      if (state.status === 'error') return `${call}\n${style.red(`  → ${part.toolName}: ${shorten(state.error, 120)}`)}`;
      return call;
    }
    case 'context': {
      const lines = part.range ? `:${part.range.start}-${part.range.end}` : '';
      return style.dim(`[context] ${part.path}${lines} (${part.content.length} chars)`);
    }
    case 'error':
      return style.red(`✗ ${part.message} (${part.code})`);
    case 'plan':
      return style.dim(formatPlan(part.entries));
  }
}

/** The branch a conversation shows, each message with its version when it has several (edits, regenerated replies). */
export function formatBranch(messages: Message[], activeMessageId: string | undefined, style: Style, maxChars?: number): string[] {
  const tree = branchTree(messages);
  return activeBranch(messages, activeMessageId, tree).map((message) => {
    const { siblings, index } = siblingsOf(message.id, tree);
    return formatMessage(message, style, maxChars, siblings.length > 1 ? { index, count: siblings.length } : undefined);
  });
}
