import { messageText, type ConversationState, type Message, type Run, type WatchState } from '../client/index.ts';
import { isTerminalRunStatus } from '../domain/schemas.ts';
import { describeRunEnd, formatPlan, formatRetry, formatToolCall } from './reply-format.ts';
import type { Screen } from './screen.ts';

export type ReplyPrinterOptions = {
  screen: Screen;
  /** Which runs to show (`ask` shows only its own). Default: every run of the conversation. */
  shows?: (run: Run) => boolean;
  /** Whether to print the user's message above a reply as it starts (`queued`: it waited behind another run). */
  echoUser?: (run: Run, queued: boolean) => boolean;
  /** Print how each run ended (stopped, failed, usage) as a status line. */
  announceEnds?: boolean;
  /** Print "queued" when a shown run waits behind another. */
  announceQueued?: boolean;
  /** After a run's end was printed. */
  onRunEnd?: (run: Run) => void;
};

type RunView = { started: boolean; ended: boolean; queued: boolean };
type PartView = { messageId: string; printed: number; toolStatus: string | null };

/**
 * Turns a conversation watch's reconciled state into terminal output: each run's reply text as it
 * grows, tool calls and retries as status lines, and the run's end. It works from state, not from
 * single events, so a snapshot after a reconnect, joining a run half-way, or a retry that discarded
 * text are all handled by comparing what is shown with what the state holds.
 */
export class ReplyPrinter {
  readonly #options: ReplyPrinterOptions;
  readonly #runs = new Map<string, RunView>();
  readonly #parts = new Map<string, PartView>();
  #retryShown: string | null = null;
  #initialized = false;

  constructor(options: ReplyPrinterOptions) {
    this.#options = options;
  }

  update(current: WatchState): void {
    const state = current.state;
    if (!state) return;
    const first = !this.#initialized;
    this.#initialized = true;
    const shows = this.#options.shows ?? (() => true);
    const running = state.runs.find((run) => run.status === 'running');
    for (const run of state.runs) {
      if (!shows(run)) continue;
      let view = this.#runs.get(run.id);
      if (!view) {
        view = { started: false, ended: false, queued: false };
        this.#runs.set(run.id, view);
        // Runs that ended before we looked are history, not news.
        if (first && isTerminalRunStatus(run.status)) view.started = view.ended = true;
        else if (run.status === 'queued' && running !== undefined && running.id !== run.id) {
          view.queued = true;
          if (this.#options.announceQueued) this.#options.screen.statusLine(`· queued behind the current run (${queuePosition(state, run)} waiting)`);
        }
      }
      if (view.ended) continue;
      if (!view.started && run.status !== 'queued') {
        view.started = true;
        if (run.assistantMessageId !== null) this.#startReply(state, run, view.queued);
      }
      if (view.started && run.assistantMessageId !== null) this.#printParts(state, run.assistantMessageId);
      if (isTerminalRunStatus(run.status)) this.#end(run, view);
    }
    this.#showRetry(current, shows);
    this.#showSpinner(current, shows);
    this.#prune(state);
  }

  #startReply(state: ConversationState, run: Run, queued: boolean): void {
    const { screen, echoUser } = this.#options;
    if (run.trigger === 'continue') {
      screen.statusLine('· continuing the last reply');
      // It writes into the message shown before: only what it adds is news.
      const message = run.assistantMessageId === null ? undefined : findMessage(state, run.assistantMessageId);
      for (const part of message?.parts ?? []) {
        this.#parts.set(part.id, { messageId: message!.id, printed: part.kind === 'text' ? part.text.length : 0, toolStatus: part.kind === 'tool-call' ? part.state.status : part.kind === 'plan' ? formatPlan(part.entries) : null });
      }
    } else if (run.trigger === 'regenerate') {
      screen.statusLine('· writing a new version of the reply');
    } else if (echoUser?.(run, queued)) {
      const user = state.messages.find((message) => message.id === run.userMessageId) ?? run.input;
      if (user) screen.statusLine(`> ${userLine(user)}`);
    }
  }

  #printParts(state: ConversationState, messageId: string): void {
    const { screen } = this.#options;
    const message = findMessage(state, messageId);
    if (!message) return;
    const present = new Set<string>();
    for (const part of message.parts) {
      present.add(part.id);
      let view = this.#parts.get(part.id);
      if (!view) {
        view = { messageId, printed: 0, toolStatus: null };
        this.#parts.set(part.id, view);
      }
      if (part.kind === 'text' && part.text.length > view.printed) {
        screen.writeText(part.text.slice(view.printed));
        view.printed = part.text.length;
      } else if (part.kind === 'tool-call' && part.state.status !== view.toolStatus) {
        view.toolStatus = part.state.status;
        if (part.state.status !== 'pending') screen.statusLine(formatToolCall(part), part.state.status === 'error' ? 'error' : 'info');
      } else if (part.kind === 'plan') {
        // A plan is replaced whole on each update: print it again when it changed.
        const plan = formatPlan(part.entries);
        if (plan !== view.toolStatus) {
          view.toolStatus = plan;
          screen.statusLine(plan);
        }
      }
    }
    let discarded = false;
    for (const [partId, view] of this.#parts) {
      if (view.messageId !== messageId || present.has(partId)) continue;
      if (view.printed > 0) discarded = true;
      this.#parts.delete(partId);
    }
    if (discarded) screen.statusLine('· the partial reply above is discarded; the retry starts over');
  }

  #end(run: Run, view: RunView): void {
    const { screen } = this.#options;
    view.ended = true;
    screen.spinner(null);
    screen.endText();
    if (this.#options.announceEnds) {
      const end = describeRunEnd(run, screen.status.tty);
      if (end) screen.statusLine(end.line, end.tone);
    }
    for (const [partId, part] of this.#parts) if (part.messageId === run.assistantMessageId) this.#parts.delete(partId);
    this.#options.onRunEnd?.(run);
  }

  #showRetry(current: WatchState, shows: (run: Run) => boolean): void {
    const retry = current.retry;
    if (!retry) return;
    const key = `${retry.runId}:${retry.attempt}`;
    const run = current.state?.runs.find((candidate) => candidate.id === retry.runId);
    if (key === this.#retryShown || !run || !shows(run)) return;
    this.#retryShown = key;
    this.#options.screen.statusLine(formatRetry(retry));
  }

  #showSpinner(current: WatchState, shows: (run: Run) => boolean): void {
    const { screen } = this.#options;
    const active = current.activeRun;
    if (!active || !shows(active) || this.#runs.get(active.id)?.ended) return screen.spinner(null);
    const message = active.assistantMessageId === null ? undefined : findMessage(current.state!, active.assistantMessageId);
    const runningTool = message?.parts.findLast((part) => part.kind === 'tool-call' && part.state.status === 'running');
    const label = current.retry ? 'waiting to retry' : runningTool?.kind === 'tool-call' ? `running ${runningTool.toolName}` : 'thinking';
    screen.spinner(label);
  }

  /** Keeps memory bounded: forgets runs the state no longer lists. */
  #prune(state: ConversationState): void {
    for (const [runId, view] of this.#runs) {
      if (view.ended && !state.runs.some((run) => run.id === runId)) this.#runs.delete(runId);
    }
  }
}

function findMessage(state: ConversationState, messageId: string): Message | undefined {
  return state.messages.findLast((message) => message.id === messageId);
}

function queuePosition(state: ConversationState, run: Run): number {
  return state.runs.filter((candidate) => candidate.status === 'queued').findIndex((candidate) => candidate.id === run.id) + 1;
}

/** The user's message on one line: its text, and the files attached. */
function userLine(message: Message): string {
  const text = messageText(message).replace(/\s*\n\s*/g, ' ');
  const attached = message.parts.filter((part) => part.kind === 'context').map((part) => part.path);
  return attached.length === 0 ? text : `${text} (+ ${attached.join(', ')})`;
}
