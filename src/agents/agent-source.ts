import type { StreamPart } from '../providers/stream-part.ts';

/**
 * A coding agent as a conversation backend (Claude Code, Codex, OpenCode, any ACP agent). Beside
 * the provider `StepSource`, which answers one model step and lets Confab run the tools, an agent
 * runs a whole turn itself: its own tool loop, in the project's directory, in its own session.
 *
 * Contract for implementations:
 * - `turn` works in `cwd` and nowhere else (the conversation's project directory, resolved by the
 *   engine; on a machine worker, that worker's directory for the project).
 * - With `resumeSessionId`, it continues that agent session (the history is the agent's, not
 *   re-sent); it reports the session id it used as an `agent-session` part, at least once.
 * - It yields text and reasoning as they stream; tool calls it executes itself as `tool-call`
 *   parts with `providerExecuted: true` and their `tool-result`s; its plan as `plan` parts; and
 *   ends with `finish`, carrying the usage and cost it reported (`costUsd`).
 * - Aborting `signal` reaches the agent through its own interrupt; the iterator then throws the
 *   signal's reason. Errors are thrown as `UpstreamError`s (classified, `retryable` honest): the
 *   engine never re-runs a turn that already executed tools, whatever the error says.
 */
export interface AgentSource {
  readonly kind: 'agent';
  /**
   * True when a running turn can take more input (`onBusy: "steer"`): once its turn has started,
   * the agent yields a `steer-ready` part whose `steer` adds a message to the turn, and a
   * `steer-taken` part (naming the message) where the agent took it, in order with what it
   * streams, so that what follows is the answer to it.
   */
  readonly steering?: boolean;
  turn(request: AgentTurnRequest): AsyncIterable<StreamPart>;
}

export type AgentTurnRequest = {
  /** The conversation's project directory. */
  cwd: string;
  /** The model the agent should use: the part of the model id after `<provider>/`; '' for the agent's default. */
  model: string;
  /** The user's message for this turn, with attached context rendered in. */
  prompt: string;
  /** The conversation's system prompt ('' for none). */
  system: string;
  /** The agent session to continue, from the conversation's previous agent turn. */
  resumeSessionId: string | null;
  signal: AbortSignal;
};

export function isAgentSource(source: object): source is AgentSource {
  return (source as Partial<AgentSource>).kind === 'agent';
}
