import { randomUUID } from 'node:crypto';
import type { ConfabClient, ConfabEvent, Conversation, ConversationWatch, Run } from '../client/index.ts';
import { isTerminalRunStatus } from '../domain/schemas.ts';
import { connectionOptions, helpOption, parseCommandArgs, UsageError } from './cli-args.ts';
import { connect, connectionHelp, resolveConnection } from './cli-connection.ts';
import { exitCodes, processIo, runCommand, type CliIo } from './command-runner.ts';
import { LineWriter } from './line-writer.ts';
import { checkMessage, fetchLimits } from './message-limits.ts';
import { chooseProject } from './project-choice.ts';
import { readAll } from './read-stdin.ts';
import { ReplyPrinter } from './reply-printer.ts';
import { runErrorMessage } from './reply-format.ts';
import { Screen } from './screen.ts';

const help = `Usage: confab ask [options] "question"
       ... | confab ask [options] [-]

Asks one question in a new conversation and prints the answer to standard output as it streams.
The question is the argument, or standard input when there is no argument or it is "-".
Which project, model and conversation were used is said on standard error.

Options:
  --project NAME    Project for the conversation (default: the only project; else the one
                    registered for the current directory or the nearest one above it; else a
                    new project for the current directory, named after it).
  --model ID        Model, e.g. openai/gpt-4o-mini (default: the server's default model).
  --json            Print every event as one JSON object per line (NDJSON) instead of the text,
                    ending with the run's run-completed (or run-failed / run-stopped) event.
${connectionHelp}
  -h, --help        Show this help.

Exit codes: 0 answered; 1 the run failed, the server could not be reached or refused the token;
2 usage error; 130 stopped with Ctrl-C (the run is stopped on the server too).

Examples:
  confab ask "What does src/engine/session-hub.ts do?"
  git diff | confab ask --project confab -
  confab ask --model anthropic/claude-sonnet-4-5 "Explain cursors and epochs"
  confab ask --json "Say hi" | jq -r 'select(.type == "part-delta") | .data.delta'
`;

const maxQuestionBytes = 1024 * 1024;

const options = {
  ...connectionOptions,
  ...helpOption,
  project: { type: 'string' },
  model: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `confab ask`: one question, one streamed answer. */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand('ask', io, async ({ setConnection }) => {
    const { values, positionals } = parseCommandArgs(argv, options);
    if (values.help) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    const question = await readQuestion(positionals, io);
    const settings = await resolveConnection(values, io.env, io.cwd);
    setConnection(settings);
    const client = connect(settings);
    try {
      return await ask(client, { question, project: values.project, model: values.model, json: values.json === true }, io);
    } finally {
      await client.close();
    }
  });
}

async function readQuestion(positionals: string[], io: CliIo): Promise<string> {
  const fromStdin = positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-');
  if (fromStdin && positionals.length === 0 && io.stdin.isTTY) {
    throw new UsageError('missing the question: give it as an argument, or pipe it on standard input.');
  }
  let question: string;
  try {
    question = fromStdin ? await readAll(io.stdin, maxQuestionBytes) : positionals.join(' ');
  } catch (error) {
    throw new UsageError(`cannot read the question: ${(error as Error).message}.`);
  }
  if (question.trim() === '') throw new UsageError('the question is empty.');
  return question.trim();
}

type AskInput = { question: string; project: string | undefined; model: string | undefined; json: boolean };

async function ask(client: ConfabClient, input: AskInput, io: CliIo): Promise<number> {
  const screen = new Screen(new LineWriter(io.stdout, io.env), new LineWriter(io.stderr, io.env));
  let stopRequested = false;
  let sending = false;
  let runId: string | null = null;
  let conversation: Conversation | undefined;
  const stop = () => {
    if (!conversation || runId === null) return;
    client.conversations.stop(conversation.id, { runId }).catch((error: Error) => screen.statusLine(`could not stop the run: ${error.message}`, 'error'));
  };
  const onInterrupt = () => {
    // Nothing sent yet, or a second Ctrl-C: leave now (a run already sent is being stopped).
    if (!sending || stopRequested) process.exit(exitCodes.interrupted);
    stopRequested = true;
    screen.statusLine('■ stopping… (Ctrl-C again to quit without waiting)');
    stop();
  };
  process.on('SIGINT', onInterrupt);
  try {
    // Before anything is created: a refused question must not leave an empty conversation (or project).
    checkMessage(await fetchLimits(client), 'question', input.question);
    const choice = await chooseProject(client, input.project, io.cwd);
    conversation = await client.conversations.create({ projectName: choice.project.name, model: input.model });
    screen.statusLine(`confab: ${conversation.model || 'default model'} · project ${choice.project.name} (${choice.reason}) · conversation ${conversation.id}`);
    const watch = client.watch(conversation.id);
    await watch.ready;

    const requestId = randomUUID();
    const isOurs = (run: Run) => run.id === runId || run.clientRequestId === requestId;
    if (input.json) printEvents(watch, isOurs, io);
    else {
      const printer = new ReplyPrinter({ screen, shows: isOurs });
      watch.subscribe((state) => printer.update(state));
    }
    // ask takes no input: a tool call waiting for approval is answered elsewhere.
    const told = new Set<string>();
    const conversationId = conversation.id;
    watch.subscribe(({ approvals }) => {
      for (const approval of approvals.filter((candidate) => !told.has(candidate.id))) {
        told.add(approval.id);
        screen.statusLine(`· ${approval.toolName} waits for your approval: answer it in \`confab chat --conversation ${conversationId}\` or the web UI`);
      }
    });
    sending = true;
    const sent = await watch.send(input.question, { clientRequestId: requestId });
    runId = sent.run.id;
    if (stopRequested) stop();
    const run = await watch.runEnded(runId);
    return outcome(run, stopRequested, conversation, io);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** `--json`: every event, one per line, up to and including the run's end. */
function printEvents(watch: ConversationWatch, isOurs: (run: Run) => boolean, io: CliIo): void {
  let done = false;
  watch.onEvent((event: ConfabEvent) => {
    if (done) return;
    io.stdout.write(`${JSON.stringify(event)}\n`);
    const ends = event.type === 'run-completed' || event.type === 'run-stopped' || event.type === 'run-failed' || event.type === 'run-interrupted';
    if (ends && isOurs(event.data.run) && isTerminalRunStatus(event.data.run.status)) done = true;
  });
}

function outcome(run: Run, stopRequested: boolean, conversation: Conversation, io: CliIo): number {
  switch (run.status) {
    case 'completed':
      return exitCodes.ok;
    case 'stopped':
      if (stopRequested) return exitCodes.interrupted;
      io.stderr.write('confab ask: the run was stopped by another client.\n');
      return exitCodes.failure;
    case 'interrupted':
      io.stderr.write(`confab ask: the run was interrupted (the server shut down). Carry on with \`confab chat --conversation ${conversation.id}\`.\n`);
      return exitCodes.failure;
    default:
      io.stderr.write(`confab ask: the run failed: ${runErrorMessage(run)}\n`);
      return exitCodes.failure;
  }
}
