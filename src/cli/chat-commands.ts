import type { ConversationSummary, Run } from '../client/index.ts';
import { ConfabClientError } from '../client/index.ts';
import type { ChatSession } from './chat-session.ts';
import { describeContext, parseContextSpec, projectRelativePath } from './context-spec.ts';
import { formatTable } from './format-table.ts';
import { formatConversationTable, formatMessage } from './format-transcript.ts';

export const chatCommandHelp = `Commands:
  /new                    Start a new conversation in this project (created with your next message).
  /list                   This project's recent conversations (numbered, * marks the current one).
  /switch ID|N            Continue conversation ID, or number N of the last /list.
  /model [ID]             Show the models, or use ID from the next reply on.
  /context PATH[:A-B]     Attach a file (or lines A to B) to your next message; /context alone lists
                          the attachments, /context clear drops them.
  /stop                   Stop the reply being written.
  /continue               Carry on with the last reply where it was stopped, interrupted or cut
                          at the length limit.
  /regenerate             Write a new version of the last reply (the old one stays as a version).
  /edit TEXT              Send TEXT in place of your last message, as a new version of it (with a
                          new reply); the original and its reply stay as the other version.
  /prev, /next            Show the previous or next version of the last reply.
  /help                   This help.
  /exit                   Leave (a reply being written carries on on the server).
Ctrl-C stops the reply being written; Ctrl-C twice within 2 s, at an empty prompt, or Ctrl-D leaves.`;

/** What a slash command asks the chat loop to do next: read on, leave, or follow a run it started. */
export type CommandResult = 'continue' | 'exit' | { run: Run };

type Context = {
  session: ChatSession;
  cwd: string;
  /** Prints a failure (counted: a piped chat exits 1 after any). */
  fail: (message: string) => void;
  /** The last /list, for `/switch N`. */
  lastList: ConversationSummary[];
};

/** Runs `/name args`. Unknown commands and bad arguments are reported, never thrown. */
export async function runSlashCommand(line: string, context: Context): Promise<CommandResult> {
  const [name, ...rest] = line.trim().slice(1).split(/\s+/);
  const argument = rest.join(' ');
  const { session, fail } = context;
  const say = (text: string) => session.screen.statusLine(text);
  switch (name) {
    case 'exit':
    case 'quit':
      return 'exit';
    case 'help':
      session.screen.status.line(chatCommandHelp);
      return 'continue';
    case 'new':
      session.startNew();
      say(`· new conversation in project ${session.project.name}: it is created with your next message`);
      return 'continue';
    case 'list': {
      const page = await session.client.conversations.list({ project: session.project.name, limit: 20 });
      context.lastList = page.conversations;
      if (page.conversations.length === 0) say(`· no conversations in project ${session.project.name} yet`);
      else session.screen.status.line(formatConversationTable(page.conversations, Date.now(), session.conversation?.id));
      return 'continue';
    }
    case 'switch':
      await switchConversation(argument, context);
      return 'continue';
    case 'model':
      await model(argument, context);
      return 'continue';
    case 'context':
      attachContext(argument, context);
      return 'continue';
    case 'stop': {
      const run = await session.stop();
      if (!run) say('· nothing is running');
      return 'continue';
    }
    case 'continue': {
      if (!session.conversation) {
        fail('nothing to continue: this conversation has no reply yet');
        return 'continue';
      }
      try {
        return { run: await session.continueReply() };
      } catch (error) {
        if (ConfabClientError.is(error, 'nothing_to_continue') || ConfabClientError.is(error, 'conversation_busy')) {
          fail(`/continue: ${error.message}`);
          return 'continue';
        }
        throw error;
      }
    }
    case 'regenerate':
    case 'edit':
      return branchCommand(name, argument, context);
    case 'prev':
    case 'next':
      await switchVersion(name === 'prev' ? -1 : 1, context);
      return 'continue';
    default:
      fail(`unknown command /${name} — /help lists the commands`);
      return 'continue';
  }
}

async function switchConversation(argument: string, { session, fail, lastList }: Context): Promise<void> {
  if (argument === '') return fail('usage: /switch ID (or the number from /list)');
  const byNumber = /^\d+$/.test(argument) ? lastList[Number(argument) - 1] : undefined;
  const id = byNumber?.id ?? argument;
  try {
    const conversation = await session.open(id);
    const messages = session.branch;
    session.screen.statusLine(`· switched to ${conversation.title === '' ? '(untitled)' : `"${conversation.title}"`} (${conversation.id}) · project ${session.project.name} · ${conversation.model} · ${messages.length} messages`);
    for (const message of messages.slice(-2)) session.screen.status.line(formatMessage(message, session.screen.style, 500));
  } catch (error) {
    if (ConfabClientError.is(error, 'not_found')) return fail(`no conversation ${id}${/^\d+$/.test(argument) ? ' (run /list first to switch by number)' : ''}`);
    throw error;
  }
}

async function model(argument: string, { session, fail }: Context): Promise<void> {
  const { models, defaultModel } = await session.client.models();
  const current = session.conversation?.model || session.pendingModel || defaultModel;
  if (argument === '') {
    if (models.length === 0) return session.screen.statusLine('· no models are configured on the server');
    const rows = models.map((model) => [model.id === current ? '*' : ' ', model.id, model.provider, model.id === defaultModel ? 'default' : '']);
    session.screen.status.line(formatTable([' ', 'MODEL', 'PROVIDER', ''], rows));
    return;
  }
  if (!models.some((model) => model.id === argument)) return fail(`unknown model ${argument} — /model lists the models`);
  await session.setModel(argument);
  session.screen.statusLine(`· model ${argument}${session.conversation ? ' from the next reply on' : ' for the new conversation'}`);
}

function attachContext(argument: string, { session, cwd, fail }: Context): void {
  if (argument === '') {
    const attached = session.pendingContext.map(describeContext);
    return session.screen.statusLine(attached.length === 0 ? '· nothing attached' : `· attached to your next message: ${attached.join(', ')}`);
  }
  if (argument === 'clear') {
    session.pendingContext = [];
    return session.screen.statusLine('· attachments dropped');
  }
  let input;
  try {
    input = parseContextSpec(argument);
  } catch (error) {
    return fail(`/context: ${(error as Error).message}`);
  }
  input.path = projectRelativePath(input.path, cwd, session.project.path);
  session.pendingContext.push(input);
  session.screen.statusLine(`· ${describeContext(input)} will be attached to your next message`);
}

/** `/regenerate` and `/edit TEXT`: a new version of the last reply or of the last message sent. */
async function branchCommand(name: 'regenerate' | 'edit', argument: string, { session, fail }: Context): Promise<CommandResult> {
  if (name === 'edit' && argument === '') {
    fail('usage: /edit TEXT (sent in place of your last message)');
    return 'continue';
  }
  try {
    const run = name === 'regenerate' ? await session.regenerate() : await session.editLast(argument);
    if (run) return { run };
    fail(`/${name}: this conversation has no ${name === 'regenerate' ? 'reply' : 'message of yours'} yet`);
  } catch (error) {
    if (!ConfabClientError.is(error, 'conversation_busy') && !ConfabClientError.is(error, 'bad_request') && !ConfabClientError.is(error, 'payload_too_large')) throw error;
    fail(`/${name}: ${error.message}`);
  }
  return 'continue';
}

async function switchVersion(step: -1 | 1, { session, fail }: Context): Promise<void> {
  const switched = await session.switchVersion(step);
  if (!switched) return fail(`no ${step < 0 ? 'previous' : 'next'} version of the last reply`);
  session.screen.statusLine(`· version ${switched.index + 1} of ${switched.count}`);
  session.screen.status.line(formatMessage(switched.message, session.screen.style, 500));
}
