/**
 * Approvals, defined once as data: a person decides whether a risky tool call runs. Browser-safe:
 * imports nothing but zod.
 */
import { z } from 'zod';

/** What a person may answer: this call only, or every later call of the tool in this conversation. */
export const ApprovalDecisionSchema = z.enum(['allow-once', 'allow-always', 'deny', 'deny-always']);
export const approvalDecisions = ApprovalDecisionSchema.options;

/**
 * - `pending`: waiting for an answer (its run's status is `requires-action`).
 * - `allowed` / `denied`: answered (`decision`), by a person or by a remembered "always" answer.
 * - `expired`: nobody answered before `expiresAt`; the call does not run.
 * - `cancelled`: its run was stopped while it waited; the call does not run.
 */
export const ApprovalStatusSchema = z.enum(['pending', 'allowed', 'denied', 'expired', 'cancelled']);

/** Who settled it: a person (`user`), a remembered "always" answer, the expiry timer, or a stop. */
export const ApprovalResolverSchema = z.enum(['user', 'remembered', 'expiry', 'stop']);

/** A remembered "always" answer for one tool in one conversation. */
export const ToolRuleSchema = z.enum(['allow', 'deny']);

/**
 * A durable request for a person's decision about one tool call. While `pending`, `decision`,
 * `resolvedBy`, `note` and `decidedAt` are null; once settled, `resolvedBy` and `decidedAt` are set,
 * and `decision` too when it was allowed or denied.
 */
export const ApprovalSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  runId: z.string(),
  /** The tool call it is about (`ToolCallPart.toolCallId`). */
  toolCallId: z.string(),
  toolName: z.string(),
  input: z.unknown(),
  /** Where the request came from: a Confab tool, or an agent asking permission for its own tool. */
  source: z.enum(['tool', 'agent']),
  options: z.array(ApprovalDecisionSchema),
  status: ApprovalStatusSchema,
  decision: ApprovalDecisionSchema.nullable(),
  resolvedBy: ApprovalResolverSchema.nullable(),
  /** What the person wrote with the answer (shown to the model with a denial). */
  note: z.string().nullable(),
  requestedAt: z.number(),
  decidedAt: z.number().nullable(),
  expiresAt: z.number(),
});

/** The body of the `approve` command (REST and WebSocket). */
export const ApproveInputSchema = z.object({
  decision: ApprovalDecisionSchema,
  note: z.string().max(2_000, 'note must be at most 2000 characters').optional(),
});

export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;
export type ApprovalStatus = z.infer<typeof ApprovalStatusSchema>;
export type ApprovalResolver = z.infer<typeof ApprovalResolverSchema>;
export type ToolRule = z.infer<typeof ToolRuleSchema>;
export type Approval = z.infer<typeof ApprovalSchema>;
export type ApproveInput = z.infer<typeof ApproveInputSchema>;

/** The rule an "always" answer leaves behind, if any. */
export function ruleOf(decision: ApprovalDecision): ToolRule | undefined {
  return decision === 'allow-always' ? 'allow' : decision === 'deny-always' ? 'deny' : undefined;
}

export function isAllowing(decision: ApprovalDecision): boolean {
  return decision === 'allow-once' || decision === 'allow-always';
}
