import type { Approval } from '../../domain/approval-schemas.ts';
import type { ToolCallPart } from '../../domain/schemas.ts';
import { refusedToolState, settledToolState, startedToolState } from '../../domain/tool-state.ts';
import { toolScope, type RunDependencies, type RunState } from './run-context.ts';
import { recordApprovals } from '../approvals/record-approvals.ts';
import { screenCalls } from './screen-calls.ts';

/** How a step's tool calls ended: all settled, some waiting for a person, or stopped while waiting. */
export type ToolsOutcome =
  | { kind: 'settled' }
  /** `requested`: new requests, stored and announced as the run parks. */
  | { kind: 'waiting'; requested: Approval[] }
  | { kind: 'stopped' };

/**
 * Executes the step's tool calls in parallel, each moving to `running` and then settling as
 * `completed` (with its output) or `error`, one `tool-call` event per move. A call that needs a
 * person's approval moves to `awaiting-approval` instead (screen-calls.ts decides); the others
 * still run, and the outcome says the run must wait. A tool that ignores the abort signal does
 * not hold the run: the wait is raced against the signal.
 */
export async function runTools(calls: ToolCallPart[], state: RunState, deps: RunDependencies): Promise<ToolsOutcome> {
  const { live, messageId, signal } = state;
  const runId = state.run.id;
  signal.throwIfAborted();
  const { screened, remembered } = await screenCalls(calls, state, deps);
  const stopped = screened.filter((item) => item.verdict === 'stopped');
  if (stopped.length > 0) {
    refuseTools(stopped.map((item) => item.call), state, 'Not run: the run was stopped while it waited for approval.', deps);
    return { kind: 'stopped' };
  }
  if (remembered.length > 0) {
    await recordApprovals(live, deps.persistence, { approvals: remembered }, remembered.map((approval) => ({ type: 'approval-resolved', runId, data: { approval } })));
  }
  const requested: Approval[] = [];
  const runnable: ToolCallPart[] = [];
  for (const item of screened) {
    if (item.verdict === 'run') runnable.push(item.call);
    else if (item.verdict === 'refuse') refuseTools([item.call], state, item.reason, deps);
    else if (item.verdict === 'ask') {
      requested.push(item.approval);
      const part: ToolCallPart = { ...item.call, state: { status: 'awaiting-approval', input: item.call.state.input, approvalId: item.approval.id } };
      live.emit({ type: 'tool-call', runId, data: { messageId, part } });
    }
  }
  await Promise.all(
    runnable.map(async (call) => {
      const running: ToolCallPart = { ...call, state: startedToolState(call.state, deps.clock.now()) };
      live.emit({ type: 'tool-call', runId, data: { messageId, part: running } });
      const result = await raceAbort(deps.tools.execute({ toolName: call.toolName, input: call.state.input }, { ...toolScope(state), signal }), signal);
      live.emit({ type: 'tool-call', runId, data: { messageId, part: { ...running, state: settledToolState(running.state, result, deps.clock.now()) } } });
    }),
  );
  signal.throwIfAborted();
  const waiting = requested.length > 0 || screened.some((item) => item.verdict === 'wait');
  return waiting ? { kind: 'waiting', requested } : { kind: 'settled' };
}

/** The calls of the run's message that wait for an approval: what a resumed run settles first. */
export function awaitingCalls(state: RunState): ToolCallPart[] {
  const message = state.live.state.messages.find((candidate) => candidate.id === state.messageId);
  return (message?.parts ?? []).filter((part): part is ToolCallPart => part.kind === 'tool-call' && part.state.status === 'awaiting-approval');
}

/** Settles calls that will never run or finish (step cap reached, or the run ended) as errors saying why. */
export function refuseTools(calls: ToolCallPart[], state: RunState, reason: string, deps: RunDependencies): void {
  for (const call of calls) {
    const part: ToolCallPart = { ...call, state: refusedToolState(call.state, reason, deps.clock.now()) };
    state.live.emit({ type: 'tool-call', runId: state.run.id, data: { messageId: state.messageId, part } });
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
