import type { Run, Usage } from '../../domain/schemas.ts';
import type { StoreBatch } from '../../store/store.ts';
import type { Pricing } from '../../providers/pricing.ts';
import type { StepSource, ToolSpec } from '../../providers/stream-part.ts';
import type { ToolContext } from '../../tools/tool.ts';
import type { Clock } from '../../util/clock.ts';
import type { IdGenerator } from '../../util/ids.ts';
import type { Logger } from '../../util/logger.ts';
import type { ConversationState } from '../../domain/schemas.ts';
import type { EventDraft } from '../event-log/event-log.ts';
import type { RetryOptions } from './retry-policy.ts';

/** What the engine needs from the model registry. */
export interface ModelResolver {
  /** Throws ConfabError('unknown_model') for a model id that is not configured. */
  resolve(modelId: string): { source: StepSource; pricing: Pricing | undefined };
}

/** What the engine needs from the tool registry. */
export interface ToolExecutor {
  specs(): ToolSpec[];
  execute(call: { toolName: string; input: unknown }, context: ToolContext): Promise<{ output: unknown; isError: boolean }>;
}

/** The checkpointer, as the run loop sees it. */
export interface RunPersistence {
  /** Writes everything changed so far. */
  flush(): Promise<void>;
  /** Writes these records after everything changed so far. */
  commitNow(batch: StoreBatch): Promise<void>;
}

export type RunDependencies = {
  persistence: RunPersistence;
  ids: IdGenerator;
  clock: Clock;
  random: () => number;
  logger: Logger;
  models: ModelResolver;
  tools: ToolExecutor;
  retry: RetryOptions;
  maxSteps: number;
};

/** Why a run's signal was aborted. */
export type AbortReason = { kind: 'stop' } | { kind: 'shutdown' } | { kind: 'delete' } | { kind: 'fenced' };

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
};

export function abortReason(signal: AbortSignal): AbortReason | undefined {
  if (!signal.aborted) return undefined;
  const reason = signal.reason as AbortReason | undefined;
  return reason && typeof reason === 'object' && 'kind' in reason ? reason : { kind: 'stop' };
}
