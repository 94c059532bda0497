import type { PermissionAnswer, StreamPart } from '../providers/stream-part.ts';
import type { UpstreamError } from '../providers/upstream-error.ts';
import type { AgentTurnRequest } from './agent-source.ts';
import { PartQueue } from './part-queue.ts';
import { raceAbort } from './race-abort.ts';
import { lostSessionNotice } from './session-notice.ts';

/** How a driver reports its agent's turn. */
export type TurnControl = {
  /** The turn's signal (a stop). */
  readonly signal: AbortSignal;
  /** Parts the agent reported. */
  push(...parts: StreamPart[]): void;
  /** The agent ended its turn; these are its last parts. */
  end(...parts: StreamPart[]): void;
  /** The turn failed (the agent said so, or its process is gone). */
  fail(error: unknown): void;
  /**
   * The agent asks permission: `reply` carries the decision back to the agent, at most once (a
   * stop, or the turn's end, answers `cancel`); `announce` turns the once-only answer into the
   * parts that show the request.
   */
  ask(reply: (answer: PermissionAnswer) => void, announce: (answer: (answer: PermissionAnswer) => void) => StreamPart[]): void;
};

/** What runs an agent's turn: its process (or shared server). */
export interface TurnProcess {
  /** True while it is up. */
  readonly alive: boolean;
  /** Aborts when it is gone. */
  readonly gone: AbortSignal;
  /** Resolves when it has exited. */
  readonly exited: Promise<void>;
  /** Why it is gone, as an upstream error a client may read. */
  failure(): UpstreamError;
  /** Kills it (its whole process group). */
  close(): void;
}

/**
 * One agent turn as a protocol driver runs it (ACP, `codex app-server`, `opencode serve`, the
 * Claude Agent SDK): the parts that differ per agent. `driveAgentTurn` owns what they share.
 */
export interface AgentTurnDriver {
  /** What runs the turn; undefined until `open` has found it (a shared server being started). */
  readonly process: TurnProcess | undefined;
  /** Opens the session to work in (reused, resumed, or new, with the reason the one asked for was lost). */
  open(): Promise<{ sessionId: string; lostReason: string | undefined }>;
  /** Starts the agent's turn, reporting through `turn`; resolves once the agent has taken it. */
  start(turn: TurnControl): Promise<void>;
  /** The agent's own interrupt of the started turn. */
  interrupt(): void;
  /** The turn is over, whatever happened: hand the process back (or close it). Called once. */
  release(): void;
}

/**
 * The turn skeleton every agent shares: the session id (and a lost session's notice) first, then
 * the agent's parts as they come; a stop reaches the agent through its own interrupt, cancels its
 * open permission requests, and kills it if it has not ended its turn `stopGraceMs` later; a run
 * loop that leaves early lets the agent wind down before the process is handed back. A process
 * that dies fails the turn with its `failure()`.
 */
export async function* driveAgentTurn(request: AgentTurnRequest, stopGraceMs: number, begin: () => AgentTurnDriver): AsyncIterable<StreamPart> {
  const { signal } = request;
  signal.throwIfAborted();
  const driver = begin();
  const queue = new PartQueue();
  const pending = new Set<(answer: PermissionAnswer) => void>();
  let started = false;
  let turnOver = false;
  let endTurn!: () => void;
  const turnEnded = new Promise<void>((resolve) => (endTurn = resolve));
  const over = () => {
    turnOver = true;
    endTurn();
  };
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  let interrupted = false;
  const interrupt = () => {
    if (started && !turnOver && !interrupted) {
      interrupted = true;
      driver.interrupt();
    }
    for (const answer of [...pending]) answer('cancel');
    killTimer ??= setTimeout(() => driver.process?.close(), stopGraceMs);
  };
  signal.addEventListener('abort', interrupt, { once: true });
  const control: TurnControl = {
    signal,
    push: (...parts) => queue.push(...parts),
    end: (...parts) => {
      over();
      queue.end(...parts);
    },
    fail: (error) => {
      over();
      queue.fail(error);
    },
    ask: (reply, announce) => {
      const once = (answer: PermissionAnswer) => {
        if (!pending.delete(once)) return;
        reply(answer);
      };
      pending.add(once);
      if (signal.aborted) return once('cancel');
      queue.push(...announce(once));
    },
  };
  try {
    const session = await raceAbort(driver.open(), signal);
    yield { type: 'agent-session', sessionId: session.sessionId };
    if (session.lostReason !== undefined && request.resumeSessionId !== null) yield* lostSessionNotice(request.resumeSessionId, session.lostReason);
    const runner = driver.process!;
    const gone = () => control.fail(runner.failure());
    runner.gone.addEventListener('abort', gone, { once: true });
    try {
      if (runner.gone.aborted) gone();
      else await driver.start(control);
      started = true;
      // Stopped while the agent was taking the turn: now there is a turn to interrupt.
      if (signal.aborted) interrupt();
      for await (const part of queue) yield part;
    } finally {
      runner.gone.removeEventListener('abort', gone);
    }
    signal.throwIfAborted();
  } finally {
    signal.removeEventListener('abort', interrupt);
    for (const answer of [...pending]) answer('cancel');
    const runner = driver.process;
    if (started && !turnOver && runner?.alive) {
      // Left before the agent ended its turn (a stop, or the run loop gave up): let it wind down.
      interrupt();
      await Promise.race([turnEnded, runner.exited]);
    }
    clearTimeout(killTimer);
    driver.release();
  }
}
