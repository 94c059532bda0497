import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RequestError, type ContentBlock } from '@agentclientprotocol/sdk';
import type { ContextInput } from '../../domain/schemas.ts';

/**
 * An ACP prompt as a Confab send: text blocks are the message; a `resource` (embedded context: an
 * editor buffer, a selection) is a context attachment with its text; a `resource_link` to a file in
 * the project is a context attachment the server reads (confined to the project). Images and
 * audio are not advertised, so a client that sends them gets `invalid_params`.
 */
export function promptInput(blocks: ContentBlock[], projectPath: string): { content: string; context: ContextInput[] } {
  const texts: string[] = [];
  const context: ContextInput[] = [];
  for (const block of blocks) {
    if (block.type === 'text') {
      texts.push(block.text);
    } else if (block.type === 'resource') {
      if (!('text' in block.resource)) throw RequestError.invalidParams(undefined, `binary resource ${block.resource.uri} is not supported; send text`);
      context.push({ path: projectRelative(block.resource.uri, projectPath) ?? block.resource.uri, content: block.resource.text });
    } else if (block.type === 'resource_link') {
      const path = projectRelative(block.uri, projectPath);
      if (path === undefined) {
        texts.push(`[${block.name}](${block.uri})`);
      } else {
        context.push({ path });
      }
    } else {
      throw RequestError.invalidParams(undefined, `${block.type} content is not supported; send text or resources`);
    }
  }
  const content = texts.join('\n\n');
  if (content.trim() === '' && context.length === 0) throw RequestError.invalidParams(undefined, 'the prompt is empty');
  return { content: content.trim() === '' ? 'See the attached context.' : content, context };
}

/** A `file:` URI inside the project as a project-relative path; undefined otherwise. */
function projectRelative(uri: string, projectPath: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    return undefined;
  }
  const inside = relative(projectPath, path);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return undefined;
  return inside;
}
