import { approvalDecisions, type Approval } from '../../domain/approval-schemas.ts';
import type { ToolCallPart } from '../../domain/schemas.ts';
import { toolScope, type RunDependencies, type RunState } from './run-context.ts';

/** What happens to one tool call before it may run. */
export type Screened =
  | { call: ToolCallPart; verdict: 'run' }
  /** It will not run; `reason` is what the model reads. */
  | { call: ToolCallPart; verdict: 'refuse'; reason: string }
  /** A new request to a person, stored and announced when the run parks. */
  | { call: ToolCallPart; verdict: 'ask'; approval: Approval }
  /** Asked before, still unanswered. */
  | { call: ToolCallPart; verdict: 'wait' }
  /** Its request was cancelled by a stop: the run ends stopped. */
  | { call: ToolCallPart; verdict: 'stopped' };

/** The verdicts, and the requests a remembered "always" answer settled at once (to store and announce). */
export type Screening = { screened: Screened[]; remembered: Approval[] };

/**
 * Decides, per call, whether it runs now, waits for a person, or is refused. A fresh call of a tool
 * that needs approval becomes a request, unless the conversation remembers an "always" answer for
 * the tool (then it is settled as `remembered`). A call already awaiting approval (the run resumes)
 * follows how its request was settled.
 */
export async function screenCalls(calls: ToolCallPart[], state: RunState, deps: RunDependencies, source: Approval['source'] = 'tool'): Promise<Screening> {
  const screened: Screened[] = [];
  const remembered: Approval[] = [];
  const rules = state.live.state.conversation.toolRules ?? {};
  for (const call of calls) {
    if (call.state.status === 'awaiting-approval') {
      const approvalId = call.state.approvalId;
      screened.push(settledVerdict(call, state.live.settledApproval?.(approvalId) ?? (await deps.approvals.get(approvalId))));
      continue;
    }
    // A coding agent asks only about the calls it wants a person to decide.
    if (source === 'tool' && !deps.approvals.needsApproval(call.toolName, toolScope(state))) {
      screened.push({ call, verdict: 'run' });
      continue;
    }
    const request = newRequest(call, state, deps, source);
    const rule = rules[call.toolName];
    if (rule === undefined) {
      screened.push({ call, verdict: 'ask', approval: request });
      continue;
    }
    const settled: Approval = {
      ...request,
      status: rule === 'allow' ? 'allowed' : 'denied',
      decision: rule === 'allow' ? 'allow-always' : 'deny-always',
      resolvedBy: 'remembered',
      decidedAt: request.requestedAt,
    };
    remembered.push(settled);
    screened.push(settledVerdict(call, settled));
  }
  return { screened, remembered };
}

function newRequest(call: ToolCallPart, state: RunState, deps: RunDependencies, source: Approval['source']): Approval {
  const now = deps.clock.now();
  return {
    id: deps.ids('appr'),
    conversationId: state.live.id,
    runId: state.run.id,
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    input: call.state.input,
    source,
    options: [...approvalDecisions],
    status: 'pending',
    decision: null,
    resolvedBy: null,
    note: null,
    requestedAt: now,
    decidedAt: null,
    expiresAt: now + deps.approvals.expiryMs,
  };
}

function settledVerdict(call: ToolCallPart, approval: Approval | undefined): Screened {
  if (!approval) return { call, verdict: 'refuse', reason: 'Not run: its approval request was not found.' };
  switch (approval.status) {
    case 'pending':
      return { call, verdict: 'wait' };
    case 'allowed':
      return { call, verdict: 'run' };
    case 'denied':
      return { call, verdict: 'refuse', reason: denialReason(approval) };
    case 'expired':
      return { call, verdict: 'refuse', reason: 'Not run: nobody answered its approval request before it expired.' };
    case 'cancelled':
      return { call, verdict: 'stopped' };
  }
}

/** What the model reads for a denied call. */
export function denialReason(approval: Approval): string {
  if (approval.resolvedBy === 'remembered') return `Denied: calls of ${approval.toolName} are denied in this conversation.`;
  const note = approval.note?.trim();
  return note ? `Denied by the user, who wrote: ${note}` : 'Denied by the user.';
}
