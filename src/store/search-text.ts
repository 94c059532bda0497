import type { MessageSearchHit } from '../domain/records.ts';
import type { Conversation, Message } from '../domain/schemas.ts';

/**
 * Full-text search, the part every store shares so that all of them find and show the same: what
 * is indexed (a message's text parts as lower-case words), what a query's terms are, when a
 * message matches (every term starts a word of it), and the snippet shown for a hit. The SQL
 * stores index `searchableText` with their own engines (SQLite FTS5, Postgres tsvector) and use
 * these helpers around them.
 */

const word = /[\p{L}\p{N}]+/gu;
/** Terms in one query: more are refused, so one search cannot ask the index for hundreds of prefixes. */
export const maxSearchTerms = 8;
export const snippetChars = 160;

/** The words of a message's text, lower-case, space-separated; null while it streams (indexed once it ends). */
export function searchableText(message: Pick<Message, 'parts' | 'status'>): string | null {
  if (message.status === 'streaming') return null;
  return (messagePlainText(message).toLowerCase().match(word) ?? []).join(' ');
}

/** A query's terms: its words, lower-case, each once, in order. */
export function searchTerms(query: string): string[] {
  return [...new Set(query.toLowerCase().match(word) ?? [])];
}

/** Whether every term starts some word of the searchable text (what the SQL indexes do with prefix queries). */
export function matchesTerms(searchable: string, terms: string[]): boolean {
  const words = searchable.split(' ');
  return terms.every((term) => words.some((candidate) => candidate.startsWith(term)));
}

export function messagePlainText(message: Pick<Message, 'parts'>): string {
  return message.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('\n');
}

/**
 * At most `snippetChars` characters of the text around its first match, on one line, with the
 * ranges (`[start, end)` in the snippet) where words start with a term.
 */
export function searchSnippet(text: string, terms: string[]): { snippet: string; highlights: [number, number][] } {
  const flat = text.replace(/\s/g, ' ');
  const matches: [number, number][] = [];
  for (const found of flat.matchAll(word)) {
    const lower = found[0].toLowerCase();
    const term = terms.find((candidate) => lower.startsWith(candidate));
    if (term) matches.push([found.index, found.index + Math.min(term.length, found[0].length)]);
  }
  const first = matches[0]?.[0] ?? 0;
  let start = Math.max(0, first - 40);
  if (start > 0) start = flat.indexOf(' ', start) + 1 || start;
  if (start > first) start = first;
  let end = Math.min(flat.length, start + snippetChars);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > first) end = space;
  }
  const prefix = start > 0 ? '…' : '';
  const snippet = `${prefix}${flat.slice(start, end).trim()}${end < flat.length ? '…' : ''}`;
  const shift = prefix.length - start - (flat.slice(start, end).length - flat.slice(start, end).trimStart().length);
  const highlights = matches.filter(([from, to]) => from >= start && to <= end).map(([from, to]): [number, number] => [from + shift, to + shift]);
  return { snippet, highlights };
}

/** The hit for a message found by `terms`. */
export function searchHit(message: Pick<Message, 'id' | 'role' | 'parts' | 'createdAt'>, conversation: Pick<Conversation, 'id' | 'title' | 'projectName'>, terms: string[]): MessageSearchHit {
  return {
    conversationId: conversation.id,
    conversationTitle: conversation.title,
    projectName: conversation.projectName,
    messageId: message.id,
    role: message.role,
    createdAt: message.createdAt,
    ...searchSnippet(messagePlainText(message), terms),
  };
}
