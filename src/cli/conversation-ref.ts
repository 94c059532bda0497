import { ConfabClientError, type ConfabClient } from '../client/index.ts';
import { CliError, UsageError } from './cli-args.ts';
import { getProject } from './project-choice.ts';

/** Row numbers reach as far as `conversations list --limit` does. */
export const maxRowNumber = 200;

export type ConversationRef = { id: string; row: number | null; title: string };

/**
 * What `show`/`delete` were given: a conversation id, or a row number of `conversations list`
 * (with the same `--project`). A row number is looked up in the list as it is now, fetched anew,
 * so a conversation updated since the user's list may have moved.
 */
export async function resolveConversationRef(client: ConfabClient, ref: string, project: string | undefined): Promise<ConversationRef> {
  if (!/^\d+$/.test(ref)) return { id: ref, row: null, title: '' };
  const row = Number(ref);
  if (row < 1 || row > maxRowNumber) throw new UsageError(`row numbers go from 1 to ${maxRowNumber}, got "${ref}".`);
  if (project !== undefined) await getProject(client, project);
  const { conversations } = await client.conversations.list({ project, limit: row });
  const listed = conversations[row - 1];
  if (!listed) {
    const list = `\`confab conversations list${project === undefined ? '' : ` --project ${project}`}\``;
    throw new CliError(`there is no row ${row}: ${list} has ${conversations.length} ${conversations.length === 1 ? 'row' : 'rows'}.`);
  }
  return { id: listed.id, row, title: listed.title };
}

/** A not_found for `id` in words; anything else unchanged. */
export function notFound(error: unknown, id: string): unknown {
  return ConfabClientError.is(error, 'not_found') ? new CliError(`no conversation ${id}. List them with \`confab conversations list\`.`) : error;
}
