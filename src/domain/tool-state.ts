/**
 * Moves of a tool call's state (`ToolState` in schemas.ts), shared by the engine, the prompt
 * builder and the store's migration of old rows. Browser-safe.
 */
import type { Part, ToolState } from './schemas.ts';

/** What a tool, provider or agent reported for a call. */
export type ToolResult = { output: unknown; isError: boolean };

export function isToolSettled(state: ToolState): state is Extract<ToolState, { status: 'completed' | 'error' }> {
  return state.status === 'completed' || state.status === 'error';
}

const startedAtOf = (state: ToolState): number | undefined => ('startedAt' in state ? state.startedAt : undefined);

/** `running` from now: what a call becomes when it starts executing. */
export function startedToolState(state: ToolState, startedAt: number): ToolState {
  return { status: 'running', input: state.input, startedAt };
}

/**
 * The state a call settles in when its result arrives at `endedAt`: `completed` with the output, or
 * `error`. An error's text is the output when that is a string (Confab's tools always report
 * errors so); any other output is kept beside a short text. Output is never undefined, which JSON
 * would drop from the wire.
 */
export function settledToolState(state: ToolState, result: ToolResult, endedAt: number): ToolState {
  const startedAt = startedAtOf(state);
  if (!result.isError) return { status: 'completed', input: state.input, output: result.output ?? null, startedAt: startedAt ?? endedAt, endedAt };
  const described = typeof result.output === 'string' ? { error: result.output } : { error: errorText(result.output), output: result.output ?? null };
  return { status: 'error', input: state.input, ...described, ...(startedAt === undefined ? {} : { startedAt }), endedAt };
}

/** `error` because the call will never run or finish (the run ended, the step cap was reached). */
export function refusedToolState(state: ToolState, reason: string, endedAt: number): ToolState {
  return settledToolState(state, { output: reason, isError: true }, endedAt);
}

/** The `step` for calls the next model response in a message asks for: one past the last call's. */
export function nextToolStep(parts: readonly Part[]): number {
  let last = 0;
  for (const part of parts) if (part.kind === 'tool-call' && part.step > last) last = part.step;
  return last + 1;
}

/** What goes back to the model for a call; undefined while it has not settled. */
export function toolResultOf(state: ToolState): ToolResult | undefined {
  if (state.status === 'completed') return { output: state.output, isError: false };
  if (state.status === 'error') return { output: state.output ?? state.error, isError: true };
  return undefined;
}

function errorText(output: unknown): string {
  const message = output !== null && typeof output === 'object' ? (output as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message !== '' ? message : 'The tool reported an error.';
}
