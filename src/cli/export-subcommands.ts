import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ConversationExport } from '../client/index.ts';
import { CliError, expectPositionals } from './cli-args.ts';
import { connectionHelp } from './cli-connection.ts';
import { exitCodes } from './command-runner.ts';
import { notFound, resolveConversationRef } from './conversation-ref.ts';
import { getProject } from './project-choice.ts';
import { readAll } from './read-stdin.ts';
import type { Subcommand } from './subcommands.ts';

/** An export bigger than this is refused before it is read (the server's request limit is 1 MiB by default). */
const maxImportBytes = 16 * 1024 * 1024;

const exportHelp = `Usage: confab conversations export ID|N [options]

Prints a conversation as JSON (the default: every message of every version, with parts, usage and
cost; what \`confab conversations import\` reads) or, with --markdown, the version shown as
Markdown. N is a row of \`confab conversations list\`.

Options:
  --markdown        Markdown instead of JSON.
  -o, --output FILE Write to FILE instead of standard output.
  --project NAME    N counts rows of this project's list.
${connectionHelp}
  -h, --help        Show this help.

Examples:
  confab conversations export conv_1m80tg9w7waet4n0v -o plans.json
  confab conversations export 1 --markdown > plans.md
`;

const importHelp = `Usage: confab conversations import FILE|- [options]

Creates a conversation from a JSON export (FILE, or standard input for -), with new ids. It goes
to the exported project unless --project says otherwise, with the exported model when the server
has it, else the server's default model. Prints the new conversation's id.

Options:
  --project NAME    Import into this project.
${connectionHelp}
  -h, --help        Show this help.

Examples:
  confab conversations import plans.json --project notes
  confab conversations export 1 | confab conversations import - --project archive
`;

export const exportSubcommand: Subcommand = {
  help: exportHelp,
  options: { markdown: { type: 'boolean' }, output: { type: 'string', short: 'o' }, project: { type: 'string' } },
  async run({ client, values, positionals, io }) {
    const [ref] = expectPositionals(positionals, ['id']);
    const { id } = await resolveConversationRef(client, ref, values.project as string | undefined);
    let text: string;
    try {
      text = values.markdown ? await client.conversations.exportMarkdown(id) : `${JSON.stringify(await client.conversations.export(id), null, 2)}\n`;
    } catch (error) {
      throw notFound(error, id);
    }
    const output = values.output as string | undefined;
    if (output === undefined) io.stdout.write(text);
    else {
      await writeFile(resolve(io.cwd, output), text);
      io.stderr.write(`Wrote ${id} to ${output}.\n`);
    }
    return exitCodes.ok;
  },
};

export const importSubcommand: Subcommand = {
  help: importHelp,
  options: { project: { type: 'string' } },
  async run({ client, values, positionals, io }) {
    const [file] = expectPositionals(positionals, ['file']);
    const project = values.project as string | undefined;
    if (project !== undefined) await getProject(client, project);
    const text = await readExport(file, io);
    let data: ConversationExport;
    try {
      data = JSON.parse(text) as ConversationExport;
    } catch {
      throw new CliError(`${file === '-' ? 'standard input' : file} is not JSON: export a conversation with \`confab conversations export ID\`.`);
    }
    const conversation = await client.conversations.import(data, { project });
    io.stdout.write(`Imported as ${conversation.id} in project ${conversation.projectName} (${data.messages?.length ?? 0} messages).\n`);
    return exitCodes.ok;
  },
};

async function readExport(file: string, io: { stdin: NodeJS.ReadStream; cwd: string }): Promise<string> {
  if (file === '-') {
    try {
      return await readAll(io.stdin, maxImportBytes);
    } catch (error) {
      throw new CliError(`${(error as Error).message}.`);
    }
  }
  try {
    const buffer = await readFile(resolve(io.cwd, file));
    if (buffer.length > maxImportBytes) throw new CliError(`${file} is over ${maxImportBytes} bytes.`);
    return buffer.toString('utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`);
  }
}
