import type { ConfabClient } from '../client/index.ts';
import { expectPositionals, integerOption } from './cli-args.ts';
import { notFound, resolveConversationRef } from './conversation-ref.ts';
import { connectionHelp } from './cli-connection.ts';
import { exitCodes, processIo, type CliIo } from './command-runner.ts';
import { formatTime } from './format-table.ts';
import { formatConversationTable, formatBranch } from './format-transcript.ts';
import { formatCost, formatUsage } from './reply-format.ts';
import { getProject } from './project-choice.ts';
import { exportSubcommand, importSubcommand } from './export-subcommands.ts';
import { searchSubcommand } from './search-subcommand.ts';
import { runSubcommand, type Subcommand } from './subcommands.ts';
import { colorEnabled, createStyle } from './terminal-style.ts';

const groupHelp = `Usage: confab conversations <list|show|search|export|import|delete> [options]

  list [--project NAME] [--limit N] [--json]   Recent conversations, newest first, numbered.
  show ID|N [--json]                           One conversation with all its messages.
  search WORDS... [--project NAME] [--json]    Messages with words starting with WORDS, newest first.
  export ID|N [--markdown] [-o FILE]           A conversation as JSON (every version) or Markdown.
  import FILE|- [--project NAME]               A new conversation from a JSON export.
  delete ID|N                                  Delete a conversation for good (stops its run).

N is a row number of \`confab conversations list\` (give the same --project), looked up anew.

Run "confab conversations <subcommand> --help" for a subcommand's options.

Examples:
  confab conversations list --project confab
  confab conversations show conv_1m80tg9w7waet4n0v
  confab conversations show 2
  confab conversations search nginx cert
  confab conversations delete conv_1m80tg9w7waet4n0v
`;

const listHelp = `Usage: confab conversations list [options]

Lists conversations, most recently updated first.

Options:
  --project NAME    Only this project's conversations.
  --limit N         How many, 1 to 200 (default 20).
  --json            Print {conversations, nextBefore} as JSON.
${connectionHelp}
  -h, --help        Show this help.

Examples:
  confab conversations list
  confab conversations list --project confab --limit 5
  confab conversations list --json | jq -r '.conversations[].id'
`;

const rowHelp = `N, a number, is row N of \`confab conversations list\` as it is now (fetched anew;
pass the same --project as to list).`;

const showHelp = `Usage: confab conversations show ID|N [options]

Prints a conversation: its title, project, model, usage and cost, then every message with its
parts (text, tool calls and results, attached context, errors).
${rowHelp}

Options:
  --project NAME    N counts rows of this project's list.
  --json            Print {conversation, messages, runs, cursor} as JSON.
${connectionHelp}
  -h, --help        Show this help.

Examples:
  confab conversations show conv_1m80tg9w7waet4n0v
  confab conversations show conv_1m80tg9w7waet4n0v --json | jq '.messages | length'
  confab conversations show 1
`;

const deleteHelp = `Usage: confab conversations delete ID|N [options]

Deletes a conversation and all its messages for good; a run in progress is stopped first.
${rowHelp} It says which conversation it deleted.

Options:
  --project NAME    N counts rows of this project's list.
${connectionHelp}
  -h, --help        Show this help.

Examples:
  confab conversations delete conv_1m80tg9w7waet4n0v
  confab conversations list --project notes && confab conversations delete 3 --project notes
`;

const subcommands: Record<string, Subcommand> = {
  list: {
    help: listHelp,
    options: { project: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    async run({ client, values, positionals, io }) {
      expectPositionals(positionals, []);
      const limit = integerOption('limit', values.limit as string | undefined, 1, 200) ?? 20;
      const project = values.project as string | undefined;
      if (project !== undefined) await getProject(client, project);
      const page = await client.conversations.list({ project, limit });
      if (values.json) io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      else if (page.conversations.length === 0) io.stderr.write(project === undefined ? 'No conversations yet.\n' : `No conversations in project ${project} yet.\n`);
      else io.stdout.write(`${formatConversationTable(page.conversations, Date.now())}\n`);
      return exitCodes.ok;
    },
  },
  show: {
    help: showHelp,
    options: { project: { type: 'string' }, json: { type: 'boolean' } },
    async run({ client, values, positionals, io }) {
      const [ref] = expectPositionals(positionals, ['id']);
      const { id } = await resolveConversationRef(client, ref, values.project as string | undefined);
      const detail = await getConversation(client, id);
      if (values.json) {
        io.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
        return exitCodes.ok;
      }
      const style = createStyle(colorEnabled(io.stdout, io.env));
      const { conversation, messages } = detail;
      const shown = formatBranch(messages, conversation.activeMessageId, style);
      const lines = [
        style.bold(conversation.title === '' ? '(untitled)' : conversation.title) + style.dim(` · ${conversation.id}`),
        style.dim(
          [
            `project ${conversation.projectName}`,
            conversation.model,
            shown.length === messages.length ? `${messages.length} messages` : `${shown.length} messages shown, ${messages.length - shown.length} on other branches`,
            `created ${formatTime(conversation.createdAt)}`,
            `updated ${formatTime(conversation.updatedAt)}`,
            formatUsage(conversation.usage),
            ...(conversation.cost ? [formatCost(conversation.cost)] : []),
          ].join(' · '),
        ),
      ];
      for (const message of shown) lines.push('', message);
      io.stdout.write(`${lines.join('\n')}\n`);
      return exitCodes.ok;
    },
  },
  search: searchSubcommand,
  export: exportSubcommand,
  import: importSubcommand,
  delete: {
    help: deleteHelp,
    options: { project: { type: 'string' } },
    async run({ client, values, positionals, io }) {
      const [ref] = expectPositionals(positionals, ['id']);
      const { id, row, title } = await resolveConversationRef(client, ref, values.project as string | undefined);
      try {
        await client.conversations.delete(id);
      } catch (error) {
        throw notFound(error, id);
      }
      io.stdout.write(row === null ? `Deleted conversation ${id}.\n` : `Deleted conversation ${id} (row ${row}: ${title === '' ? '(untitled)' : title}).\n`);
      return exitCodes.ok;
    },
  },
};

async function getConversation(client: ConfabClient, id: string) {
  try {
    return await client.conversations.get(id);
  } catch (error) {
    throw notFound(error, id);
  }
}

/** `confab conversations list|show|search|export|import|delete`. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runSubcommand('conversations', groupHelp, subcommands, argv, io);
}
