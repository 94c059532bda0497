/**
 * The domain, defined once as data. Types are inferred from these schemas; the server validates
 * input with them; the event definitions embed them; the docs are generated from them.
 * Browser-safe: imports nothing but zod.
 */
import { z } from 'zod';
import { ApprovalSchema, ToolRuleSchema } from './approval-schemas.ts';

export const projectNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;

export const ProjectSchema = z.object({
  name: z.string().regex(projectNamePattern),
  /** Absolute, resolved (real) path of the project's directory. */
  path: z.string(),
  createdAt: z.number(),
});

/**
 * What a message sent while a run is busy does: waits behind it (`enqueue`), is refused
 * (`reject`), stops it and runs next (`interrupt`), or is added to the running turn of a coding
 * agent that can take input mid-turn (`steer`; Codex), falling back to waiting behind it.
 */
export const BusyPolicySchema = z.enum(['enqueue', 'reject', 'interrupt', 'steer']);

export const UsageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  reasoningTokens: z.number().optional(),
  cachedInputTokens: z.number().optional(),
  /** True when some of the figures are our estimate, not the provider's report. */
  estimated: z.boolean().optional(),
  /** True when a coding agent reported the figures (for its whole turn), not a model provider. */
  agentReported: z.boolean().optional(),
});

export const CostSchema = z.object({
  /** US dollars. */
  amount: z.number(),
  currency: z.literal('USD'),
  estimated: z.boolean(),
  /** True when a coding agent reported the amount, rather than Confab pricing the usage. */
  agentReported: z.boolean().optional(),
});

export const ConversationSchema = z.object({
  id: z.string(),
  projectName: z.string(),
  title: z.string(),
  /** `provider/model`, e.g. `openai/gpt-4o-mini`. A change applies from the next run. */
  model: z.string(),
  systemPrompt: z.string(),
  busyPolicy: BusyPolicySchema,
  usage: UsageSchema,
  /** Null while no price is known for any run of the conversation. */
  cost: CostSchema.nullable(),
  /** Remembered "always" answers to approvals, by tool name (absent: none). */
  toolRules: z.record(z.string(), ToolRuleSchema).optional(),
  /**
   * The message the shown branch goes through (absent: the newest root). The branch shown is this
   * message's ancestors, itself, and below it the newest child at each step (domain/branches.ts).
   */
  activeMessageId: z.string().optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const LineRangeSchema = z.object({ start: z.number().int().min(1), end: z.number().int().min(1) });

/**
 * What a provider attached to a part that it needs back verbatim in later requests, keyed by
 * provider (the AI SDK's `providerMetadata`): Anthropic's thinking `signature` and
 * `redactedData`, for example. Opaque to Confab; stored with the part and sent back with it.
 */
export const ProviderMetadataSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

export const TextPartSchema = z.object({ id: z.string(), kind: z.literal('text'), text: z.string(), providerMetadata: ProviderMetadataSchema.optional() });
/** A reasoning part may have empty text: a provider's redacted reasoning is all in `providerMetadata`. */
export const ReasoningPartSchema = z.object({ id: z.string(), kind: z.literal('reasoning'), text: z.string(), providerMetadata: ProviderMetadataSchema.optional() });
/**
 * Where a tool call stands, with exactly the fields each status has, so a call cannot be
 * `completed` without its output and nobody joins a call with a separate result. Times are epoch ms.
 * - `pending`: the model asked for it; `input` is what it sent (a raw string when it was not JSON).
 * - `awaiting-approval`: it waits for a person to allow it, under `approvalId`.
 * - `running`: executing since `startedAt`.
 * - `completed`: `output` is its result (what goes back to the model).
 * - `error`: it failed or never ran; `error` says why in words safe to show (and is what the model
 *   gets back), `output` holds what the tool or provider returned, when that was not plain text.
 *   `startedAt` is absent when it never started.
 */
export const ToolStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pending'), input: z.unknown() }),
  z.object({ status: z.literal('awaiting-approval'), input: z.unknown(), approvalId: z.string() }),
  z.object({ status: z.literal('running'), input: z.unknown(), startedAt: z.number() }),
  z.object({ status: z.literal('completed'), input: z.unknown(), output: z.unknown(), startedAt: z.number(), endedAt: z.number() }),
  z.object({ status: z.literal('error'), input: z.unknown(), error: z.string(), output: z.unknown().optional(), startedAt: z.number().optional(), endedAt: z.number() }),
]);

export const ToolCallPartSchema = z.object({
  id: z.string(),
  kind: z.literal('tool-call'),
  toolCallId: z.string(),
  toolName: z.string(),
  /**
   * Which model response in this message asked for the call (1, 2, …): calls with the same step were
   * asked for together, and go back to the model as one turn.
   */
  step: z.number().int().min(1),
  state: ToolStateSchema,
  /** Set when the call was executed by the agent or provider itself, not by Confab. */
  providerExecuted: z.boolean().optional(),
  providerMetadata: ProviderMetadataSchema.optional(),
});
export const ContextPartSchema = z.object({
  id: z.string(),
  kind: z.literal('context'),
  path: z.string(),
  content: z.string(),
  range: LineRangeSchema.optional(),
});
export const ErrorPartSchema = z.object({
  id: z.string(),
  kind: z.literal('error'),
  code: z.string(),
  message: z.string(),
});

export const PlanEntrySchema = z.object({
  content: z.string(),
  status: z.enum(['pending', 'in_progress', 'completed']),
  priority: z.enum(['high', 'medium', 'low']).optional(),
});

/** A coding agent's plan or to-do list; each update replaces the part (same id) whole. */
export const PlanPartSchema = z.object({
  id: z.string(),
  kind: z.literal('plan'),
  entries: z.array(PlanEntrySchema),
});

export const PartSchema = z.discriminatedUnion('kind', [
  TextPartSchema,
  ReasoningPartSchema,
  ToolCallPartSchema,
  ContextPartSchema,
  ErrorPartSchema,
  PlanPartSchema,
]);
export const PartKindSchema = z.enum(['text', 'reasoning', 'tool-call', 'context', 'error', 'plan']);
/** Kinds that stream through part-start / part-delta / part-end. */
export const StreamedPartKindSchema = z.enum(['text', 'reasoning']);

export const MessageStatusSchema = z.enum(['streaming', 'completed', 'stopped', 'failed', 'interrupted']);

export const MessageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  role: z.enum(['user', 'assistant']),
  /**
   * The message this one follows: messages form a tree, a regenerated reply or an edited message
   * being a sibling of the one it replaces. Null: a first message. Absent (messages written before
   * branches existed): the message before it in the list.
   */
  parentId: z.string().nullable().optional(),
  parts: z.array(PartSchema),
  status: MessageStatusSchema,
  /** The run that produced (assistant) or was triggered by (user) this message. */
  runId: z.string().nullable(),
  /** Model that produced an assistant message. */
  model: z.string().nullable(),
  usage: UsageSchema.nullable(),
  cost: CostSchema.nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** `requires-action`: the run waits for a person to answer an approval; it holds no worker meanwhile. */
export const RunStatusSchema = z.enum(['queued', 'running', 'requires-action', 'completed', 'stopped', 'failed', 'interrupted']);
export const terminalRunStatuses = ['completed', 'stopped', 'failed', 'interrupted'] as const;

export const FinishReasonSchema = z.enum([
  'stop',
  'length',
  'content-filter',
  'tool-limit',
  'stopped',
  'error',
  'interrupted',
  /** A `steer` run whose message the running run took into its turn: that run answers it. */
  'steered',
  'other',
]);

export const WireErrorSchema = z.object({ code: z.string(), message: z.string() });

export const ContextInputSchema = z.object({
  path: z.string().min(1),
  content: z.string().optional(),
  range: LineRangeSchema.optional(),
});

export const RunSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  status: RunStatusSchema,
  /**
   * `regenerate`: a new reply to `userMessageId`, beside the replies it already has. `steer`: a
   * send made while a coding agent's turn was running (`onBusy: "steer"`): that run takes its
   * message into its turn and this one ends `completed` with finishReason `steered`
   * (`run-steered`); if the turn ended first, it runs like a `send`.
   */
  trigger: z.enum(['send', 'continue', 'regenerate', 'steer']),
  model: z.string(),
  /** The user message this run answers (null for a `continue`). */
  userMessageId: z.string().nullable(),
  /**
   * The assistant message this run writes into (set when the run starts). A run that took a
   * steered message writes on into a new one after it (`run-updated`); a `steer` run taken that
   * way names the message that answers it.
   */
  assistantMessageId: z.string().nullable(),
  /** For a queued send: the user message, added to the conversation when the run starts. */
  input: MessageSchema.nullable(),
  clientRequestId: z.string().nullable(),
  finishReason: FinishReasonSchema.nullable(),
  usage: UsageSchema,
  cost: CostSchema.nullable(),
  /** Provider requests made, including retries. */
  attempts: z.number(),
  /** Model steps completed (tool loop iterations). */
  steps: z.number(),
  error: WireErrorSchema.nullable(),
  /** Session id kept by a coding agent (Claude Code, OpenCode, Codex), for resuming it. */
  agentSessionId: z.string().nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
});

/** The latest `run-retrying` while its run waits for the next attempt (cleared when output resumes or the run ends). */
export const RetryStateSchema = z.object({
  runId: z.string(),
  attempt: z.number(),
  maxAttempts: z.number(),
  delayMs: z.number(),
  error: WireErrorSchema,
  /** When the wait began (epoch ms): the next attempt starts at `at + delayMs`. */
  at: z.number(),
});

export const ConversationStateSchema = z.object({
  conversation: ConversationSchema,
  messages: z.array(MessageSchema),
  /** Runs not yet ended (in queue order), plus the most recent ended run. */
  runs: z.array(RunSchema),
  /** Set while a run waits to retry, so a snapshot shows the wait too. */
  retry: RetryStateSchema.nullable().optional(),
  /** Approvals waiting for an answer (absent: none). */
  approvals: z.array(ApprovalSchema).optional(),
});

export type Project = z.infer<typeof ProjectSchema>;
export type BusyPolicy = z.infer<typeof BusyPolicySchema>;
export type Usage = z.infer<typeof UsageSchema>;
export type Cost = z.infer<typeof CostSchema>;
export type Conversation = z.infer<typeof ConversationSchema>;
export type LineRange = z.infer<typeof LineRangeSchema>;
export type ToolState = z.infer<typeof ToolStateSchema>;
export type ToolCallStatus = ToolState['status'];
export type ProviderMetadata = z.infer<typeof ProviderMetadataSchema>;
export type TextPart = z.infer<typeof TextPartSchema>;
export type ReasoningPart = z.infer<typeof ReasoningPartSchema>;
export type ToolCallPart = z.infer<typeof ToolCallPartSchema>;
export type ContextPart = z.infer<typeof ContextPartSchema>;
export type ErrorPart = z.infer<typeof ErrorPartSchema>;
export type PlanPart = z.infer<typeof PlanPartSchema>;
export type PlanEntry = z.infer<typeof PlanEntrySchema>;
export type Part = z.infer<typeof PartSchema>;
export type PartKind = z.infer<typeof PartKindSchema>;
export type StreamedPartKind = z.infer<typeof StreamedPartKindSchema>;
export type MessageStatus = z.infer<typeof MessageStatusSchema>;
export type Message = z.infer<typeof MessageSchema>;
export type RunStatus = z.infer<typeof RunStatusSchema>;
export type FinishReason = z.infer<typeof FinishReasonSchema>;
export type WireError = z.infer<typeof WireErrorSchema>;
export type ContextInput = z.infer<typeof ContextInputSchema>;
export type Run = z.infer<typeof RunSchema>;
export type ConversationState = z.infer<typeof ConversationStateSchema>;
export type RetryState = z.infer<typeof RetryStateSchema>;

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0 });

export function isTerminalRunStatus(status: RunStatus): boolean {
  return (terminalRunStatuses as readonly string[]).includes(status);
}
