import type { PlanEntry, ProviderMetadata, Usage } from '../domain/schemas.ts';

/**
 * The normalized stream a run loop consumes. A provider-driven step (one model request) yields
 * these; so will a coding-agent adapter, which runs its own tool loop and reports its tool calls
 * and results as `providerExecuted`.
 */
export type StreamPart =
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  /** `providerMetadata`: what the provider sent with the part, gathered over its start, deltas and end. */
  | { type: 'text-end'; id: string; providerMetadata?: ProviderMetadata }
  | { type: 'reasoning-start'; id: string }
  | { type: 'reasoning-delta'; id: string; delta: string }
  | { type: 'reasoning-end'; id: string; providerMetadata?: ProviderMetadata }
  /** A complete tool call. Confab executes it unless `providerExecuted`. */
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown; providerExecuted?: boolean; providerMetadata?: ProviderMetadata }
  /** A result of a tool the provider or agent executed itself. */
  | { type: 'tool-result'; toolCallId: string; toolName: string; output: unknown; isError: boolean }
  /** A coding agent's own session id, stored on the run so the agent can be resumed. */
  | { type: 'agent-session'; sessionId: string }
  /**
   * A coding agent asks whether it may run one of its tool calls (announced before, or described
   * here). The engine makes it a durable approval and calls `answer` once a person (or a remembered
   * "always" answer, or a stop) has decided; the agent's turn waits meanwhile. `withdrawn` aborts
   * when nobody can act on the answer any more (the agent process died): the request is cancelled.
   */
  | { type: 'permission-request'; toolCallId: string; toolName: string; input: unknown; answer: (answer: PermissionAnswer) => void; withdrawn?: AbortSignal }
  /** A coding agent's plan or to-do list, whole (each one replaces the last). */
  | { type: 'plan'; entries: PlanEntry[] }
  /**
   * A coding agent's turn has started and can take more input (`onBusy: "steer"`): `steer` adds a
   * message to it, resolving once the agent accepted it and rejecting when it refused (the turn is
   * ending, or cannot take input). The message counts as taken only at its `steer-taken` part.
   */
  | { type: 'steer-ready'; steer: (message: SteerMessage) => Promise<void> }
  /** The agent took steered message `messageId` into its turn at this point: what follows answers it. */
  | { type: 'steer-taken'; messageId: string }
  /**
   * The step (or, from an agent, the whole turn) ended. Usage is what the provider or agent
   * reported, if anything; `costUsd` is a cost the agent reported itself.
   */
  | { type: 'finish'; finishReason: StepFinishReason; usage: Usage | undefined; costUsd?: number };

/** A message steered into a running agent turn: Confab's message id and the prompt it carries. */
export type SteerMessage = { messageId: string; prompt: string };

/** What goes back to an agent that asked permission: allowed (once: Confab remembers "always" itself), denied, or cancelled by a stop. */
export type PermissionAnswer = 'allow' | 'deny' | 'cancel';

export type StepFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'other';

/**
 * One model step: sends the prompt, streams the answer. Errors are thrown (or surface from the
 * iterator) as `UpstreamError`s, classified, so the run loop can decide whether to retry.
 * Aborting `signal` must end the request promptly and make the iterator throw.
 */
export interface StepSource {
  stream(request: StepRequest): AsyncIterable<StreamPart>;
}

export type StepRequest = {
  system: string;
  messages: PromptMessage[];
  tools: ToolSpec[];
  signal: AbortSignal;
};

/** Provider metadata a part carried, sent back with it (the AI SDK's `providerOptions` on prompt parts). */
type WithProviderOptions = { providerOptions?: ProviderMetadata };

export type ToolSpec = { name: string; description: string; inputSchema: Record<string, unknown> };

/** Provider-neutral prompt, built from the conversation's messages (providers/prompt.ts). */
export type PromptMessage =
  | { role: 'user'; text: string }
  | { role: 'assistant'; content: AssistantPromptContent[] }
  | { role: 'tool'; results: { toolCallId: string; toolName: string; output: unknown; isError: boolean }[] };

export type AssistantPromptContent =
  | ({ type: 'text'; text: string } & WithProviderOptions)
  | ({ type: 'reasoning'; text: string } & WithProviderOptions)
  | ({ type: 'tool-call'; toolCallId: string; toolName: string; input: unknown } & WithProviderOptions);
