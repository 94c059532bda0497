import { ConfabError } from '../domain/errors.ts';
import type { ContextInput, ContextPart } from '../domain/schemas.ts';
import { openFileInProject } from './project/anchored-open.ts';
import { toProjectPath } from './project/confine-path.ts';
import { probeFile } from './project/file-probe.ts';
import { readLines } from './project/line-reader.ts';
import type { LineSlice } from './project/line-reader.ts';
import { formatBytes, utf8Length } from './utf8-truncate.ts';

export type ResolveContextOptions = {
  newId: () => string;
  /** Cap on the content of all parts together, in UTF-8 bytes. Default 256 KiB. */
  maxBytes?: number;
};

export const defaultMaxContextBytes = 256 * 1024;

/**
 * Turns the context a client attached to a message into context parts.
 *
 * With `content`, the client already has the text (an unsaved editor buffer, a slice it cut itself):
 * it is kept as is and `range` is only a label. Without it, the file is read from the project with
 * the same confinement as the tools, and `range` (1-based, inclusive) selects lines: an end past the
 * last line is clamped, a start past it or after the end is `bad_request`. Binary files are refused.
 * Too much content in all is `payload_too_large`, never silently cut: the user chose what to attach.
 */
export async function resolveContext(
  projectRoot: string,
  inputs: ContextInput[],
  options: ResolveContextOptions,
): Promise<ContextPart[]> {
  const maxBytes = options.maxBytes ?? defaultMaxContextBytes;
  const parts: ContextPart[] = [];
  let usedBytes = 0;
  const tooLarge = () =>
    new ConfabError('payload_too_large', `Attached context is over the ${formatBytes(maxBytes)} limit`);

  for (const input of inputs) {
    checkLabel(input.path);
    if (input.range && input.range.start > input.range.end) {
      throw new ConfabError(
        'bad_request',
        `Context range for ${input.path} starts after it ends (${input.range.start}-${input.range.end})`,
      );
    }
    let content: string;
    let range = input.range;
    if (input.content !== undefined) {
      content = input.content;
      usedBytes += utf8Length(content);
      if (usedBytes > maxBytes) throw tooLarge();
    } else {
      const displayPath = toProjectPath(input.path);
      const file = await openFileInProject(projectRoot, input.path);
      let slice: LineSlice;
      try {
        const probe = await probeFile(file);
        if (probe.binary) throw new ConfabError('bad_request', `${displayPath} is a binary file and cannot be attached as context`);
        if (!range && usedBytes + probe.size > maxBytes) throw tooLarge();
        slice = await readLines(file.handle, { start: range?.start, end: range?.end }, { maxBytes: maxBytes - usedBytes }).catch(
          (error: unknown) => {
            throw ConfabError.is(error, 'bad_request') ? new ConfabError('bad_request', `${displayPath}: ${error.message}`) : error;
          },
        );
      } finally {
        await file.close();
      }
      if (slice.truncated) throw tooLarge();
      content = slice.content;
      usedBytes += utf8Length(content);
      if (range) range = { start: slice.startLine, end: slice.endLine };
    }
    const part: ContextPart = { id: options.newId(), kind: 'context', path: input.path, content };
    if (range) part.range = range;
    parts.push(part);
  }
  return parts;
}

/**
 * Renders context parts for the user turn, one block per part:
 *
 *   <context path="src/a.ts" lines="3-7">
 *   …content, verbatim…
 *   </context>
 *
 * Content is never escaped (the model should see the code exactly). Instead each block's closing
 * tag is chosen so it does not occur in that block's content: `</context>` normally, and
 * `</context-1>`, `</context-2>`, … (with the matching opening tag) when the content itself contains
 * the plainer closing tag. A reader, model or program, can therefore take the first closing tag that
 * matches the opening one as the end of the block. Attribute values are JSON strings, so a quote or
 * newline in a path cannot break out of the tag.
 */
export function renderContextForModel(parts: ContextPart[]): string {
  return parts.map(renderPart).join('\n\n');
}

function renderPart(part: ContextPart): string {
  const tag = closingTagFor(part.content);
  const lines = part.range ? ` lines=${JSON.stringify(`${part.range.start}-${part.range.end}`)}` : '';
  const body = part.content === '' || part.content.endsWith('\n') ? part.content : `${part.content}\n`;
  return `<${tag} path=${JSON.stringify(part.path)}${lines}>\n${body}</${tag}>`;
}

function closingTagFor(content: string): string {
  let tag = 'context';
  for (let suffix = 1; new RegExp(`</${tag}\\s*>`, 'i').test(content); suffix++) tag = `context-${suffix}`;
  return tag;
}

/** A client-supplied path is shown to the model as a label; it must stay one line of text. */
function checkLabel(path: string): void {
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    throw new ConfabError('bad_request', 'Context path must not contain control characters');
  }
}
