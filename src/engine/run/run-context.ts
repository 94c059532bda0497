import type { Approval } from '../../domain/approval-schemas.ts';
import type { Cost, Run, Usage } from '../../domain/schemas.ts';
import type { RunFence } from '../../store/run-claims.ts';
import type { StoreBatch } from '../../store/store.ts';
import type { Pricing } from '../../providers/pricing.ts';
import type { SteerMessage, StepSource, ToolSpec } from '../../providers/stream-part.ts';
import type { AgentSource } from '../../agents/agent-source.ts';
import type { ToolContext, ToolScope } from '../../tools/tool.ts';
import type { Clock } from '../../util/clock.ts';
import type { IdGenerator } from '../../util/ids.ts';
import type { Logger } from '../../util/logger.ts';
import type { ConversationState } from '../../domain/schemas.ts';
import type { EventDraft } from '../event-log/event-log.ts';
import type { RetryOptions } from './retry-policy.ts';
import type { Attempt } from './run-step.ts';

/** What the engine needs from the model registry. */
export interface ModelResolver {
  /**
   * Throws ConfabError('unknown_model') for a model id that is not configured. The source is a
   * provider model (one step at a time, Confab runs the tools) or a coding agent (a whole turn).
   */
  resolve(modelId: string): { source: StepSource | AgentSource; pricing: Pricing | undefined };
}

/** What the engine needs from the tool registry. */
export interface ToolExecutor {
  /** The tools offered to the model in a run of this project (some, such as MCP servers' tools, are per project). */
  specs(scope?: ToolScope, signal?: AbortSignal): ToolSpec[] | Promise<ToolSpec[]>;
  execute(call: { toolName: string; input: unknown }, context: ToolContext): Promise<{ output: unknown; isError: boolean }>;
  /** Whether the tool declares that a person must allow each call. Absent: none does. */
  needsApproval?(toolName: string, scope?: ToolScope): boolean;
}

/**
 * What the run loop needs to ask a person about a tool call (engine/approvals implements it). The
 * run parks while an approval is pending; whoever answers it re-queues the run.
 */
export interface ApprovalGate {
  /** Whether calls of this tool wait for a person, unless the conversation remembers an answer. */
  needsApproval(toolName: string, scope?: ToolScope): boolean;
  /** How long a request stays open before it expires. */
  readonly expiryMs: number;
  /** The stored record: how a request was settled, read when the run resumes. */
  get(approvalId: string): Promise<Approval | undefined>;
  /** Told once new requests are stored and announced: arms their expiry. */
  requested(approvals: Approval[]): void;
  /** Cancels what is pending for a run that is still executing (a coding agent's request, when the run is stopped). */
  cancel(conversationId: string, runId: string): Promise<void>;
}

/** The checkpointer, as the run loop sees it. */
export interface RunPersistence {
  /** Writes everything changed so far. */
  flush(): Promise<void>;
  /** Writes these records after everything changed so far; with `fence`, only while that run claim is current (scale-out). */
  commitNow(batch: StoreBatch, fence?: RunFence): Promise<void>;
}

export type RunDependencies = {
  persistence: RunPersistence;
  ids: IdGenerator;
  clock: Clock;
  random: () => number;
  logger: Logger;
  models: ModelResolver;
  tools: ToolExecutor;
  approvals: ApprovalGate;
  retry: RetryOptions;
  maxSteps: number;
};

/** Why a run's signal was aborted. `time-limit`: it ran longer than `limitMs` (ends `failed`, saying so). */
export type AbortReason = { kind: 'stop' } | { kind: 'shutdown' } | { kind: 'delete' } | { kind: 'fenced' } | { kind: 'time-limit'; limitMs: number };

/**
 * What the run loop may do to its conversation: read the folded state, emit events (under the
 * run's claim: a stale claim's events are refused by the log), and wait until its own events are
 * folded. It never reaches the conversation's subscribers or cache.
 */
export interface RunWriter {
  readonly id: string;
  /** The conversation as folded so far: `flush` first to read the run's own events. */
  readonly state: ConversationState;
  readonly deleted: boolean;
  /** Seq of the last event folded into `state`. */
  readonly foldedSeq: number;
  /** The log stores events before anyone sees them (the journal): they need no record written first. */
  readonly durable: boolean;
  emit(draft: EventDraft, options?: { persisted?: boolean }): void;
  flush(): Promise<void>;
  /** Resolves once the folded state satisfies `condition` (an approval settled by any client); rejects when `signal` aborts. */
  until(condition: (state: ConversationState) => boolean, signal: AbortSignal): Promise<void>;
  /** How an approval was settled, as folded, when known here (before its record may be stored: the journal); else read `ApprovalGate.get`. */
  settledApproval?(approvalId: string): Approval | undefined;
}

/** The mutable record of one executing run. */
export type RunState = {
  live: RunWriter;
  run: Run;
  messageId: string;
  projectRoot: string;
  signal: AbortSignal;
  usage: Usage;
  attempts: number;
  steps: number;
  agentSessionId: string | null;
  /** A cost the source reported itself (a coding agent), used instead of pricing the usage. */
  reportedCost: Cost | null;
  /** Set while a coding agent's turn that can take steered messages runs (turn-steering.ts). */
  steering?: RunSteering;
};

/** What the run loop tells the steering of an agent turn (turn-steering.ts). */
export interface RunSteering {
  /** The turn can take input now, through `steer`. */
  ready(steer: (message: SteerMessage) => Promise<void>): void;
  /**
   * The agent took steered message `messageId`: closes what `attempt` left open, adds the message
   * and a new assistant message after it, and moves the run there. False (nothing done) when
   * `messageId` was never offered by this run.
   */
  take(messageId: string, attempt: Attempt): boolean;
  /** Messages taken so far in this run. */
  readonly taken: number;
}

/** The project a run's tools are for. */
export function toolScope(state: RunState): ToolScope {
  return { projectName: state.live.state.conversation.projectName, projectRoot: state.projectRoot };
}

export function abortReason(signal: AbortSignal): AbortReason | undefined {
  if (!signal.aborted) return undefined;
  const reason = signal.reason as AbortReason | undefined;
  return reason && typeof reason === 'object' && 'kind' in reason ? reason : { kind: 'stop' };
}
