import { ConfabClientError, type ConfabClient } from '../client/index.ts';
import { CliError, expectPositionals, integerOption } from './cli-args.ts';
import { connectionHelp } from './cli-connection.ts';
import { exitCodes, processIo, type CliIo } from './command-runner.ts';
import { formatTime } from './format-table.ts';
import { formatConversationTable, formatMessage } from './format-transcript.ts';
import { formatCost, formatUsage } from './reply-format.ts';
import { getProject } from './project-choice.ts';
import { runSubcommand, type Subcommand } from './subcommands.ts';
import { colorEnabled, createStyle } from './terminal-style.ts';

const groupHelp = `Usage: confab conversations <list|show|delete> [options]

  list [--project NAME] [--limit N] [--json]   Recent conversations, newest first.
  show ID [--json]                             One conversation with all its messages.
  delete ID                                    Delete a conversation for good (stops its run).

Run "confab conversations <subcommand> --help" for a subcommand's options.

Examples:
  confab conversations list --project confab
  confab conversations show conv_1m80tg9w7waet4n0v
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

const showHelp = `Usage: confab conversations show ID [options]

Prints a conversation: its title, project, model, usage and cost, then every message with its
parts (text, tool calls and results, attached context, errors).

Options:
  --json            Print {conversation, messages, runs, cursor} as JSON.
${connectionHelp}
  -h, --help        Show this help.

Examples:
  confab conversations show conv_1m80tg9w7waet4n0v
  confab conversations show conv_1m80tg9w7waet4n0v --json | jq '.messages | length'
`;

const deleteHelp = `Usage: confab conversations delete ID [options]

Deletes a conversation and all its messages for good; a run in progress is stopped first.

Options:
${connectionHelp}
  -h, --help        Show this help.

Example:
  confab conversations delete conv_1m80tg9w7waet4n0v
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
    options: { json: { type: 'boolean' } },
    async run({ client, values, positionals, io }) {
      const [id] = expectPositionals(positionals, ['id']);
      const detail = await getConversation(client, id);
      if (values.json) {
        io.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
        return exitCodes.ok;
      }
      const style = createStyle(colorEnabled(io.stdout, io.env));
      const { conversation, messages } = detail;
      const lines = [
        style.bold(conversation.title === '' ? '(untitled)' : conversation.title) + style.dim(` · ${conversation.id}`),
        style.dim(
          [
            `project ${conversation.projectName}`,
            conversation.model,
            `${messages.length} messages`,
            `created ${formatTime(conversation.createdAt)}`,
            `updated ${formatTime(conversation.updatedAt)}`,
            formatUsage(conversation.usage),
            ...(conversation.cost ? [formatCost(conversation.cost)] : []),
          ].join(' · '),
        ),
      ];
      for (const message of messages) lines.push('', formatMessage(message, style));
      io.stdout.write(`${lines.join('\n')}\n`);
      return exitCodes.ok;
    },
  },
  delete: {
    help: deleteHelp,
    options: {},
    async run({ client, positionals, io }) {
      const [id] = expectPositionals(positionals, ['id']);
      try {
        await client.conversations.delete(id);
      } catch (error) {
        throw notFound(error, id);
      }
      io.stdout.write(`Deleted conversation ${id}.\n`);
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

function notFound(error: unknown, id: string): unknown {
  return ConfabClientError.is(error, 'not_found') ? new CliError(`no conversation ${id}. List them with \`confab conversations list\`.`) : error;
}

/** `confab conversations list|show|delete`. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runSubcommand('conversations', groupHelp, subcommands, argv, io);
}
