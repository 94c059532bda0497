import type { ToolCallPart } from '../../domain/schemas.ts';
import { refusedToolState, settledToolState, startedToolState } from '../../domain/tool-state.ts';
import type { RunDependencies, RunState } from './run-context.ts';

/**
 * Executes the step's tool calls in parallel, each moving to `running` and then settling as
 * `completed` (with its output) or `error`, one `tool-call` event per move. A tool that ignores the
 * abort signal does not hold the run: the wait is raced against the signal.
 */
export async function runTools(calls: ToolCallPart[], state: RunState, deps: RunDependencies): Promise<void> {
  const { live, messageId, signal } = state;
  const runId = state.run.id;
  await Promise.all(
    calls.map(async (call) => {
      const running: ToolCallPart = { ...call, state: startedToolState(call.state, deps.clock.now()) };
      live.emit({ type: 'tool-call', runId, data: { messageId, part: running } });
      const result = await raceAbort(deps.tools.execute({ toolName: call.toolName, input: call.state.input }, { projectRoot: state.projectRoot, signal }), signal);
      live.emit({ type: 'tool-call', runId, data: { messageId, part: { ...running, state: settledToolState(running.state, result, deps.clock.now()) } } });
    }),
  );
  signal.throwIfAborted();
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
