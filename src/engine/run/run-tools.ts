import type { ToolCallPart } from '../../domain/schemas.ts';
import type { RunDependencies, RunState } from './run-context.ts';

/**
 * Executes the step's tool calls in parallel, each reporting `running`, then its result and
 * `completed` or `error`. A tool that ignores the abort signal does not hold the run: the wait is
 * raced against the signal.
 */
export async function runTools(calls: ToolCallPart[], state: RunState, deps: RunDependencies): Promise<void> {
  const { live, messageId, signal } = state;
  const runId = state.run.id;
  await Promise.all(
    calls.map(async (call) => {
      live.emit({ type: 'tool-call', runId, data: { messageId, part: { ...call, status: 'running' } } });
      const result = await raceAbort(deps.tools.execute({ toolName: call.toolName, input: call.input }, { projectRoot: state.projectRoot, signal }), signal);
      live.emit({
        type: 'tool-result',
        runId,
        data: { messageId, part: { id: deps.ids('part'), kind: 'tool-result', toolCallId: call.toolCallId, toolName: call.toolName, output: result.output, isError: result.isError } },
      });
      live.emit({ type: 'tool-call', runId, data: { messageId, part: { ...call, status: result.isError ? 'error' : 'completed' } } });
    }),
  );
  signal.throwIfAborted();
}

/** Marks calls that will never run (step cap reached, or the run ended) as errors. */
export function refuseTools(calls: ToolCallPart[], state: RunState, output: string, deps: RunDependencies): void {
  for (const call of calls) {
    state.live.emit({
      type: 'tool-result',
      runId: state.run.id,
      data: { messageId: state.messageId, part: { id: deps.ids('part'), kind: 'tool-result', toolCallId: call.toolCallId, toolName: call.toolName, output, isError: true } },
    });
    state.live.emit({ type: 'tool-call', runId: state.run.id, data: { messageId: state.messageId, part: { ...call, status: 'error' } } });
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
