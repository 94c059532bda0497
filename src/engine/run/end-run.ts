import type { Approval } from '../../domain/approval-schemas.ts';
import type { FinishReason, Run, WireError } from '../../domain/schemas.ts';
import { isToolSettled } from '../../domain/tool-state.ts';
import { computeCost, type Pricing } from '../../providers/pricing.ts';
import { recordApprovals } from '../approvals/record-approvals.ts';
import type { EventDraft } from '../event-log/event-log.ts';
import type { RunDependencies, RunState } from './run-context.ts';
import { refuseTools } from './run-tools.ts';
import { addCost, addUsage } from './usage.ts';

/** How an execution of a run ends: in a terminal state, or parked until a person answers. */
export type Ending =
  | { status: 'completed'; finishReason: FinishReason }
  | { status: 'stopped' | 'interrupted'; finishReason: FinishReason }
  | { status: 'failed'; finishReason: FinishReason; error: WireError }
  | { status: 'requires-action'; requested: Approval[] };

export type TerminalEnding = Exclude<Ending, { status: 'requires-action' }>;

/**
 * Parks the run until its approvals are answered: the run (`requires-action`, with its usage,
 * attempts and steps so far) and the new requests are stored together with everything the run
 * wrote, and announced, in the order recordApprovals gives (the journal first, else the store), so
 * an approval a client sees survives a crash. The message stays open; nothing is charged yet.
 * Throws when the store refuses the write.
 */
export async function park(state: RunState, requested: Approval[], deps: RunDependencies): Promise<Run> {
  const { live } = state;
  const run: Run = { ...state.run, status: 'requires-action', usage: state.usage, attempts: state.attempts, steps: state.steps, agentSessionId: state.agentSessionId };
  await live.flush();
  if (live.deleted) return run;
  const announcements: EventDraft[] = [...requested.map((approval): EventDraft => ({ type: 'approval-requested', runId: run.id, data: { approval } })), { type: 'run-requires-action', runId: run.id, data: { run } }];
  await recordApprovals(live, deps.persistence, { runs: [run], approvals: requested, lastSeq: { [live.id]: live.foldedSeq } }, announcements);
  deps.approvals.requested(requested);
  return run;
}

/**
 * Ends the run. The message's final state is flushed, then the run and conversation records are
 * written, and only then are the terminal events emitted: a client that sees `run-completed` can
 * rely on the store having it. On a durable log the terminal events are stored first (the journal
 * is the store a crash recovers from) and the records written right after them.
 */
export async function finish(state: RunState, ending: TerminalEnding, pricing: Pricing | undefined, deps: RunDependencies): Promise<Run> {
  const { live, messageId } = state;
  const runId = state.run.id;
  await live.flush();
  const message = live.state.messages.find((candidate) => candidate.id === messageId)!;
  for (const part of message.parts) {
    if (part.kind === 'tool-call' && !isToolSettled(part.state)) refuseTools([part], state, notRunReason(part.state.status, ending.status), deps);
  }
  if (ending.status === 'failed') {
    live.emit({ type: 'part-added', runId, data: { messageId, part: { id: deps.ids('part'), kind: 'error', ...ending.error } } });
  }
  const runCost = state.reportedCost ?? computeCost(state.usage, pricing);
  const messageUsage = message.usage ? addUsage(message.usage, state.usage) : state.usage;
  live.emit({
    type: 'message-completed',
    runId,
    data: { messageId, status: ending.status, usage: messageUsage, cost: addCost(message.cost, runCost) },
  });
  const run: Run = {
    ...state.run,
    status: ending.status,
    finishReason: ending.finishReason,
    usage: state.usage,
    cost: runCost,
    attempts: state.attempts,
    steps: state.steps,
    error: ending.status === 'failed' ? ending.error : null,
    agentSessionId: state.agentSessionId,
    endedAt: deps.clock.now(),
  };
  await live.flush();
  const current = live.state.conversation;
  const conversation = { ...current, usage: addUsage(current.usage, state.usage), cost: addCost(current.cost, runCost), updatedAt: deps.clock.now() };
  if (live.durable) {
    // The journal stores the terminal events before anyone sees them, and recovery folds them
    // into the records, so the records follow. Written first, a crash before the events were
    // stored would leave records ahead of the log in the same epoch, which no cursor could see.
    live.emit({ type: `run-${ending.status}`, runId, data: { run } });
    live.emit({ type: 'conversation-updated', runId, data: { conversation } });
    await live.flush();
    if (!live.deleted) await deps.persistence.flush();
    return run;
  }
  let persisted = false;
  if (!live.deleted) {
    try {
      // The store records the seq folded so far. The two events below are not counted: a reload
      // starts a new epoch, so its seqs may repeat theirs without a cursor ever meaning both.
      await deps.persistence.commitNow({ runs: [run], conversations: [conversation], lastSeq: { [live.id]: live.foldedSeq } });
      persisted = true;
    } catch (error) {
      deps.logger.error('could not store the end of a run; the checkpointer will retry', { runId, error });
    }
  }
  live.emit({ type: `run-${ending.status}`, runId, data: { run } }, { persisted });
  live.emit({ type: 'conversation-updated', runId, data: { conversation } }, { persisted });
  return run;
}

function notRunReason(status: string, ending: TerminalEnding['status']): string {
  if (status !== 'awaiting-approval') return 'Not run: the run ended first.';
  return ending === 'stopped' ? 'Not run: the run was stopped while it waited for approval.' : 'Not run: the run ended while it waited for approval.';
}
