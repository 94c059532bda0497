import type { ConfabClient, ConversationSummary, Run } from '../client/index.ts';
import { CliError, connectionOptions, helpOption, parseCommandArgs, UsageError } from './cli-args.ts';
import { connect, connectionHelp, resolveConnection, type ConnectionSettings } from './cli-connection.ts';
import { describeAnswer, parseApprovalAnswer } from './approval-answer.ts';
import { ChatInput } from './chat-input.ts';
import { chatCommandHelp, runSlashCommand } from './chat-commands.ts';
import { ChatSession } from './chat-session.ts';
import { describeError, exitCodes, processIo, runCommand, type CliIo } from './command-runner.ts';
import { formatMessage } from './format-transcript.ts';
import { LineWriter } from './line-writer.ts';
import { fetchLimits } from './message-limits.ts';
import { chooseProject, getProject } from './project-choice.ts';
import { Screen } from './screen.ts';

const help = `Usage: confab chat [options]

An interactive chat: type a message, the reply streams as it is written; tool calls, retries and
queued messages show as status lines. Messages sent while a reply is being written wait in the
conversation's queue. With standard input not a terminal (piped), lines are read one by one, each
message waits for its reply to end, and the chat leaves at the end of the input.

Options:
  --project NAME        Project (default: the only project; else the one registered for the
                        current directory or the nearest one above it; else a new project for
                        it, named after it).
  --conversation ID     Continue this conversation (its project is used).
  --model ID            Model for a new conversation, or from now on for --conversation.
${connectionHelp}
  -h, --help            Show this help.

${chatCommandHelp}

Exit codes: 0 after /exit or the end of input (piped: 1 if a reply failed or a command was refused);
1 the server could not be reached, refused the token, or the connection was lost for good;
2 usage error; 130 left with Ctrl-C.

Examples:
  confab chat
  confab chat --project confab --model openai/gpt-4o-mini
  confab chat --conversation conv_1m80tg9w7waet4n0v
  printf 'Summarise README.md\\n/exit\\n' | confab chat --project confab
`;

const options = {
  ...connectionOptions,
  ...helpOption,
  project: { type: 'string' },
  conversation: { type: 'string' },
  model: { type: 'string' },
} as const;

/** Ctrl-C twice within this long leaves the chat. */
const doubleInterruptMs = 2000;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand('chat', io, async ({ setConnection }) => {
    const { values, positionals } = parseCommandArgs(argv, options);
    if (values.help) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (type messages once the chat has started).`);
    if (values.project !== undefined && values.conversation !== undefined) throw new UsageError('give --project or --conversation, not both (a conversation belongs to its project).');
    const settings = await resolveConnection(values, io.env, io.cwd);
    setConnection(settings);
    const client = connect(settings);
    try {
      return await chat(client, settings, { project: values.project, conversation: values.conversation, model: values.model }, io);
    } finally {
      await client.close();
    }
  });
}

async function chat(client: ConfabClient, settings: ConnectionSettings, flags: { project?: string; conversation?: string; model?: string }, io: CliIo): Promise<number> {
  const interactive = io.stdin.isTTY === true && io.stdout.isTTY === true;
  const writer = new LineWriter(io.stdout, io.env);
  const screen = new Screen(writer);
  const { session, projectNote } = await openSession(client, screen, interactive, flags, io.cwd);
  session.limits = await fetchLimits(client);

  let failures = 0;
  let closing = false;
  let resolveExit!: (code: number) => void;
  const exitRequested = new Promise<number>((resolve) => (resolveExit = resolve));
  const fail = (message: string) => {
    if (closing) return;
    failures++;
    if (interactive) screen.statusLine(`✗ ${message}`, 'error');
    else {
      writer.endLine();
      io.stderr.write(`confab chat: ${message}\n`);
    }
  };

  let lastInterrupt = 0;
  const onInterrupt = () => {
    const now = Date.now();
    if (now - lastInterrupt <= doubleInterruptMs) return resolveExit(exitCodes.interrupted);
    lastInterrupt = now;
    if (session.activeRun || session.pendingApproval) {
      screen.statusLine('■ stopping… (Ctrl-C again within 2 s to leave)');
      session.stop().catch((error: unknown) => fail(describeError(error, settings)));
      return;
    }
    if (input.currentLine !== '') return input.clearCurrentLine();
    resolveExit(exitCodes.interrupted);
  };
  const input = new ChatInput({ input: io.stdin, output: io.stdout, writer, interactive, prompt: screen.style.cyan('> '), onInterrupt });
  process.on('SIGINT', onInterrupt);

  let handling = false;
  const refreshPrompt = () => {
    // While a run waits for an approval the prompt takes the answer.
    if (!handling && (!session.busy || session.pendingApproval)) input.showPrompt();
  };
  session.onChange = refreshPrompt;
  const stopConnectionNotes = showConnectionChanges(client, screen, (error) => {
    fail(describeError(error, settings));
    resolveExit(exitCodes.failure);
  });

  banner(session, screen, interactive, projectNote);
  const lastList: ConversationSummary[] = [];
  const context = { session, cwd: io.cwd, fail, lastList };
  /** Piped: the run whose end the next line waits for, once its approval is answered. */
  let awaited: string | undefined;
  const waitForRun = async (runId: string) => {
    const ended = await session.waitForEndOrApproval(runId);
    if (ended === 'approval') return void (awaited = runId);
    awaited = undefined;
    if (ended.status === 'failed' || ended.status === 'interrupted') failures++;
  };
  const loop = async (): Promise<number> => {
    for (;;) {
      refreshPrompt();
      const line = await input.next();
      if (line === null) {
        if (session.busy && interactive) screen.statusLine('· the reply carries on on the server; /switch back to it any time');
        return failures > 0 && !interactive ? exitCodes.failure : exitCodes.ok;
      }
      if (line.trim() === '') continue;
      handling = true;
      try {
        let run: Run | undefined;
        const approval = session.pendingApproval;
        if (line.trim().startsWith('/')) {
          const result = await runSlashCommand(line, context);
          if (result === 'exit') return failures > 0 && !interactive ? exitCodes.failure : exitCodes.ok;
          if (typeof result === 'object') run = result.run;
        } else if (approval) {
          const answer = parseApprovalAnswer(line);
          if (!answer) throw new CliError('a tool call waits for your answer: y (allow once), a (always), n (deny) or never, or /stop');
          // Said first: the events the answer causes may arrive before its acknowledgement.
          screen.statusLine(describeAnswer(answer.decision));
          await session.approve(approval, answer.decision, answer.note);
          if (awaited !== undefined && !interactive) await waitForRun(awaited);
        } else {
          run = await session.send(line);
        }
        // Piped: the next line waits for this reply to end (or to ask for an approval).
        if (run && !interactive) await waitForRun(run.id);
      } catch (error) {
        fail(describeError(error, settings));
      } finally {
        handling = false;
      }
    }
  };

  try {
    return await Promise.race([loop(), exitRequested]);
  } finally {
    closing = true;
    process.off('SIGINT', onInterrupt);
    stopConnectionNotes();
    writer.spinner(null);
    input.close();
    writer.endLine();
    session.close();
  }
}

async function openSession(
  client: ConfabClient,
  screen: Screen,
  interactive: boolean,
  flags: { project?: string; conversation?: string; model?: string },
  cwd: string,
): Promise<{ session: ChatSession; projectNote: string }> {
  if (flags.conversation !== undefined) {
    const detail = await client.conversations.get(flags.conversation);
    const session = new ChatSession({ client, screen, interactive, project: await getProject(client, detail.conversation.projectName) });
    await session.open(flags.conversation);
    if (flags.model !== undefined) await session.setModel(flags.model);
    return { session, projectNote: '' };
  }
  const choice = await chooseProject(client, flags.project, cwd);
  const session = new ChatSession({ client, screen, interactive, project: choice.project });
  const { models, defaultModel } = await client.models();
  if (flags.model !== undefined && !models.some((model) => model.id === flags.model)) {
    throw new CliError(`unknown model "${flags.model}"; the server has: ${models.map((model) => model.id).join(', ') || 'none'}.`);
  }
  session.pendingModel = flags.model ?? defaultModel ?? undefined;
  return { session, projectNote: choice.reason === '--project' ? '' : ` (${choice.reason})` };
}

function banner(session: ChatSession, screen: Screen, interactive: boolean, projectNote: string): void {
  const conversation = session.conversation;
  const where = conversation ? `${conversation.title === '' ? '(untitled)' : `"${conversation.title}"`} (${conversation.id})` : 'new conversation';
  const model = conversation?.model || session.pendingModel || 'default model';
  screen.statusLine(`confab chat · project ${session.project.name}${projectNote} · ${where} · ${model}`);
  if (conversation) {
    for (const message of session.branch.slice(-2)) screen.status.line(formatMessage(message, screen.style, 500));
  }
  if (interactive) screen.statusLine('Type a message and press Enter. /help lists the commands; Ctrl-C stops a reply; Ctrl-C twice or Ctrl-D leaves.');
}

/** Status lines when the live connection drops and comes back; `onLost` when it gave up. */
function showConnectionChanges(client: ConfabClient, screen: Screen, onLost: (error: unknown) => void): () => void {
  let wasOpen = false;
  let reconnecting = false;
  return client.onConnectionChange((state) => {
    if (state.status === 'open') {
      if (reconnecting) screen.statusLine('· reconnected');
      wasOpen = true;
      reconnecting = false;
    } else if (state.status === 'reconnecting' && wasOpen && !reconnecting) {
      reconnecting = true;
      screen.statusLine('· connection lost — reconnecting…');
    } else if (state.status === 'closed' && state.error) onLost(state.error);
  });
}
