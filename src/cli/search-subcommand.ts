import type { MessageSearchHit } from '../client/index.ts';
import { integerOption, UsageError } from './cli-args.ts';
import { connectionHelp } from './cli-connection.ts';
import { exitCodes } from './command-runner.ts';
import { formatTime } from './format-table.ts';
import { getProject } from './project-choice.ts';
import type { Subcommand } from './subcommands.ts';
import { colorEnabled, createStyle, type Style } from './terminal-style.ts';

const searchHelp = `Usage: confab conversations search WORDS... [options]

Finds messages (yours and the assistant's, in every conversation and every version) with a word
starting with each of WORDS, in any case; newest first. Each hit prints its conversation, who
wrote it and when, and the text around the match (matches in bold on a terminal).

Options:
  --project NAME    Only this project's conversations.
  --limit N         How many hits, 1 to 100 (default 20).
  --json            Print the hits as JSON: [{conversationId, conversationTitle, projectName,
                    messageId, role, createdAt, snippet, highlights}].
${connectionHelp}
  -h, --help        Show this help.

Examples:
  confab conversations search nginx cert
  confab conversations search deploy --project confab --limit 5
  confab conversations search tls --json | jq -r '.[].conversationId' | sort -u
`;

/** \`confab conversations search WORDS...\`: full-text search of message text. */
export const searchSubcommand: Subcommand = {
  help: searchHelp,
  options: { project: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run({ client, values, positionals, io }) {
    if (positionals.length === 0) throw new UsageError('missing WORDS to search for.');
    const limit = integerOption('limit', values.limit as string | undefined, 1, 100) ?? 20;
    const project = values.project as string | undefined;
    if (project !== undefined) await getProject(client, project);
    const hits = await client.search(positionals.join(' '), { project, limit });
    if (values.json) {
      io.stdout.write(`${JSON.stringify(hits, null, 2)}\n`);
    } else if (hits.length === 0) {
      io.stderr.write(`No message matches "${positionals.join(' ')}"${project === undefined ? '' : ` in project ${project}`}.\n`);
    } else {
      const style = createStyle(colorEnabled(io.stdout, io.env));
      io.stdout.write(`${hits.map((hit) => formatHit(hit, style)).join('\n\n')}\n`);
    }
    return exitCodes.ok;
  },
};

function formatHit(hit: MessageSearchHit, style: Style): string {
  const title = hit.conversationTitle === '' ? '(untitled)' : hit.conversationTitle;
  const header = `${style.bold(title)}${style.dim(` · ${hit.conversationId} · ${hit.projectName} · ${hit.role} · ${formatTime(hit.createdAt)}`)}`;
  let text = '';
  let at = 0;
  for (const [start, end] of hit.highlights) {
    text += hit.snippet.slice(at, start) + style.bold(hit.snippet.slice(start, end));
    at = end;
  }
  return `${header}\n  ${text}${hit.snippet.slice(at)}`;
}
