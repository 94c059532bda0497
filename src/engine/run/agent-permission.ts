import type { Approval } from '../../domain/approval-schemas.ts';
import type { ToolCallPart } from '../../domain/schemas.ts';
import type { PermissionAnswer } from '../../providers/stream-part.ts';
import { recordApprovals } from '../approvals/record-approvals.ts';
import type { RunDependencies, RunState } from './run-context.ts';
import { refusedToolState } from '../../domain/tool-state.ts';
import { denialReason, screenCalls } from './screen-calls.ts';

/**
 * A coding agent's permission request, decided the way Confab decides its own tools' calls: a
 * remembered "always" answer of the conversation settles it at once; otherwise it becomes a
 * durable approval (`source: 'agent'`), stored and announced as recordApprovals orders it,
 * answerable from any client, with an expiry. Unlike a Confab tool call the run does not park: the agent's turn is live in its
 * process and waits for the answer, so the run stays `running` and keeps its agent process. A stop
 * cancels the request (the agent is told `cancel`) and the run ends stopped.
 */
export async function decidePermission(call: ToolCallPart, state: RunState, deps: RunDependencies, withdrawn?: AbortSignal): Promise<{ answer: PermissionAnswer; call: ToolCallPart }> {
  const { live, signal, messageId } = state;
  const runId = state.run.id;
  const { screened, remembered } = await screenCalls([call], state, deps, 'agent');
  const [verdict] = screened;
  if (remembered.length > 0) {
    await recordApprovals(live, deps.persistence, { approvals: remembered }, remembered.map((approval) => ({ type: 'approval-resolved', runId, data: { approval } })));
  }
  if (!verdict || verdict.verdict === 'refuse') return { answer: 'deny', call: { ...call, state: refusedToolState(call.state, verdict?.verdict === 'refuse' ? verdict.reason : 'Denied.', deps.clock.now()) } };
  if (verdict.verdict === 'run') return { answer: 'allow', call };
  if (verdict.verdict !== 'ask') return { answer: 'cancel', call };

  const approval = verdict.approval;
  const awaiting: ToolCallPart = { ...call, state: { status: 'awaiting-approval', input: call.state.input, approvalId: approval.id } };
  live.emit({ type: 'tool-call', runId, data: { messageId, part: awaiting } });
  await live.flush();
  await recordApprovals(live, deps.persistence, { approvals: [approval] }, [{ type: 'approval-requested', runId, data: { approval } }]);
  deps.approvals.requested([approval]);
  await live.flush();
  try {
    await live.until((current) => !(current.approvals ?? []).some((pending) => pending.id === approval.id), withdrawn ? AbortSignal.any([signal, withdrawn]) : signal);
  } catch (error) {
    // Stopped, withdrawn by the agent (its process died) or the conversation went while waiting:
    // the request is cancelled, durably.
    await deps.approvals.cancel(live.id, runId).catch((cancelError: unknown) => deps.logger.error('could not cancel an agent approval', { runId, error: cancelError }));
    if (signal.aborted || !withdrawn?.aborted) throw error;
  }
  const settled = live.settledApproval?.(approval.id) ?? (await deps.approvals.get(approval.id));
  const answer = answerFor(settled);
  const now = deps.clock.now();
  if (answer === 'allow') return { answer, call: { ...call, state: { status: 'running', input: call.state.input, startedAt: now } } };
  const reason = settled?.status === 'denied' ? denialReason(settled) : settled?.status === 'expired' ? 'Not run: nobody answered its approval request before it expired.' : withdrawn?.aborted ? 'Not run: the agent withdrew its request (its process ended).' : 'Not run: the run was stopped while it waited for approval.';
  return { answer, call: { ...call, state: refusedToolState(call.state, reason, now) } };
}

function answerFor(approval: Approval | undefined): PermissionAnswer {
  switch (approval?.status) {
    case 'allowed':
      return 'allow';
    case 'cancelled':
      return 'cancel';
    default:
      return 'deny';
  }
}
