/**
 * Turning what the user picked in an editor into a Confab context attachment. The text is sent
 * inline (`content`), so unsaved edits count and the server reads nothing from disk; `path` (relative
 * to the project's folder) and `range` (1-based, inclusive) are the label the model and the panel see.
 */
import type { ContextInput } from '../../../../src/client/index.ts';

/** An editor selection in VS Code's terms: 0-based lines, the end exclusive at `endCharacter`. */
export type EditorPick = {
  /** The document's file system path, or its name for an untitled document. */
  documentPath: string;
  /** The project folder the document belongs to, if any. */
  folderPath: string | null;
  /** The selected text; the whole document when `whole`. */
  text: string;
  startLine: number;
  endLine: number;
  endCharacter: number;
  whole: boolean;
};

export function contextFromPick(pick: EditorPick): ContextInput {
  const path = labelPath(pick.documentPath, pick.folderPath);
  if (pick.whole) return { path, content: pick.text };
  // A selection that ends at the very start of a line (whole lines picked with Shift+Down) does not include that line.
  const lastLine = pick.endCharacter === 0 && pick.endLine > pick.startLine ? pick.endLine - 1 : pick.endLine;
  return { path, content: pick.text, range: { start: pick.startLine + 1, end: lastLine + 1 } };
}

/** `src/app.ts` inside the folder (forward slashes on every platform), the full path outside it. */
export function labelPath(documentPath: string, folderPath: string | null): string {
  const normalized = documentPath.replaceAll('\\', '/');
  if (folderPath) {
    const folder = folderPath.replaceAll('\\', '/').replace(/\/+$/, '');
    if (normalized.startsWith(`${folder}/`)) return normalized.slice(folder.length + 1);
  }
  return normalized;
}

/** "src/app.ts, lines 3–7" for notices and titles. */
export function describeContext(context: ContextInput): string {
  if (!context.range) return context.path;
  const { start, end } = context.range;
  return start === end ? `${context.path}, line ${start}` : `${context.path}, lines ${start}–${end}`;
}

export type ContextLimits = { maxContextParts: number; maxContextBytes: number };

/**
 * Why `next` cannot join `pending` (the server would refuse the message with `payload_too_large`),
 * or null. Checked when the user attaches, so the refusal comes before they type a question.
 */
export function contextRefusal(pending: readonly ContextInput[], next: ContextInput, limits: ContextLimits): string | null {
  if (pending.length + 1 > limits.maxContextParts) {
    return `A message can carry at most ${limits.maxContextParts} attachments; remove one first.`;
  }
  const bytes = [...pending, next].reduce((sum, item) => sum + utf8Bytes(item.content ?? ''), 0);
  if (bytes > limits.maxContextBytes) {
    return `Attachments would be ${formatKiB(bytes)}, over the server's ${formatKiB(limits.maxContextBytes)} limit for one message.`;
  }
  return null;
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

function formatKiB(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${Math.ceil(bytes / 1024)} KiB`;
}
