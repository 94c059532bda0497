const maxTitleLength = 60;

/** A title from the first user message: its first non-empty line, at most 60 characters, cut on a word boundary. */
export function titleFromMessage(text: string): string {
  const line = text.split(/\r?\n/).map((candidate) => candidate.trim()).find((candidate) => candidate !== '') ?? '';
  const collapsed = line.replace(/\s+/g, ' ');
  if (collapsed.length <= maxTitleLength) return collapsed;
  // Leave room for the ellipsis: the whole title, ellipsis included, is at most 60 characters.
  const cut = collapsed.slice(0, maxTitleLength);
  const boundary = cut.lastIndexOf(' ');
  const title = boundary > 0 ? cut.slice(0, boundary) : cut.slice(0, maxTitleLength - 1);
  return `${title.replace(/[\s.,;:!?-]+$/, '')}…`;
}

/**
 * A title from a title model's answer: its first non-empty line, without what models like to wrap
 * titles in (a "Title:" label, Markdown heading or emphasis marks, quotes, a final full stop), cut
 * like a message title. Empty when nothing usable is left.
 */
export function titleFromModelReply(text: string): string {
  const line = text.split(/\r?\n/).map((candidate) => candidate.trim()).find((candidate) => candidate !== '') ?? '';
  const bare = line
    .replace(/^#{1,6}\s+/, '')
    .replace(/^title\s*:\s*/i, '')
    .replace(/^[*_`"'“‘«\s]+|[*_`"'”’»\s]+$/g, '')
    .replace(/\.$/, '');
  return titleFromMessage(bare);
}
