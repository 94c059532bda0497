import type { ProviderMetadata, ToolCallPart, Usage } from '../../domain/schemas.ts';
import { nextToolStep, settledToolState } from '../../domain/tool-state.ts';
import type { StepFinishReason, StepRequest, StepSource } from '../../providers/stream-part.ts';
import type { UpstreamError } from '../../providers/upstream-error.ts';
import { sleep } from '../../util/clock.ts';
import { decidePermission } from './agent-permission.ts';
import type { RunDependencies, RunState } from './run-context.ts';
import { addUsage } from './usage.ts';

export type StepOutcome = {
  finishReason: StepFinishReason;
  /** What the provider reported, if it reported anything. */
  usage: Usage | undefined;
  /** Calls Confab must execute (not the ones the provider or agent ran itself). */
  toolCalls: ToolCallPart[];
  /** A cost the source reported itself (a coding agent's turn). */
  costUsd: number | undefined;
};

/** Parts one attempt created, so a failed attempt can be discarded and an ended one closed. */
export type Attempt = {
  created: string[];
  open: Set<string>;
  /** Characters streamed, for estimating usage when the provider never reports it. */
  streamedChars: number;
  /**
   * Whitespace the stored message ends with but the prompt's pre-fill left out (providers refuse
   * a trailing assistant turn that ends in whitespace). The model continues after the trimmed
   * text, so the same whitespace at the start of its first text is already stored and shown:
   * it is dropped there, and the stored text, the events and the model's view agree at the join.
   */
  join: string;
};

export const newAttempt = (join = ''): Attempt => ({ created: [], open: new Set(), streamedChars: 0, join });

/** Drops from the start of `delta` what `attempt.join` still holds, character by character. */
function takeJoin(attempt: Attempt, delta: string): string {
  let index = 0;
  while (index < delta.length && index < attempt.join.length && delta[index] === attempt.join[index]) index++;
  attempt.join = index < delta.length ? '' : attempt.join.slice(index);
  return delta.slice(index);
}

/** Streams one model step into the run's assistant message as events. */
export async function runStep(source: StepSource, request: StepRequest, state: RunState, attempt: Attempt, deps: RunDependencies): Promise<StepOutcome> {
  const { live } = state;
  const runId = state.run.id;
  const partIds = new Map<string, string>();
  const calls = new Map<string, ToolCallPart>();
  // The message each call is in: a steered message moves an agent's turn on to a new message (`state.messageId`).
  const callMessages = new Map<string, string>();
  let step: number | undefined;
  // Counted at this step's first call (most steps make none).
  const toolStep = () => (step ??= nextToolStep(live.state.messages.find((message) => message.id === state.messageId)?.parts ?? []));
  let finish: { finishReason: StepFinishReason; usage: Usage | undefined; costUsd: number | undefined } | undefined;
  let planPartId: string | undefined;

  const startPart = (kind: 'text' | 'reasoning', streamId: string) => {
    const partId = deps.ids('part');
    partIds.set(`${kind}:${streamId}`, partId);
    attempt.created.push(partId);
    attempt.open.add(partId);
    live.emit({ type: 'part-start', runId, data: { messageId: state.messageId, partId, kind } });
    return partId;
  };
  const endPart = (kind: 'text' | 'reasoning', streamId: string, providerMetadata: ProviderMetadata | undefined) => {
    const partId = partIds.get(`${kind}:${streamId}`);
    if (!partId || !attempt.open.delete(partId)) return;
    const messageId = state.messageId;
    live.emit({ type: 'part-end', runId, data: providerMetadata === undefined ? { messageId, partId } : { messageId, partId, providerMetadata } });
  };

  for await (const part of source.stream(request)) {
    switch (part.type) {
      case 'text-start':
      case 'reasoning-start':
        startPart(part.type === 'text-start' ? 'text' : 'reasoning', part.id);
        break;
      case 'text-delta':
      case 'reasoning-delta': {
        const kind = part.type === 'text-delta' ? 'text' : 'reasoning';
        const delta = kind === 'text' && attempt.join !== '' ? takeJoin(attempt, part.delta) : part.delta;
        if (delta === '') break;
        const partId = partIds.get(`${kind}:${part.id}`) ?? startPart(kind, part.id);
        attempt.streamedChars += delta.length;
        live.emit({ type: 'part-delta', runId, data: { messageId: state.messageId, partId, delta } });
        break;
      }
      case 'text-end':
      case 'reasoning-end':
        endPart(part.type === 'text-end' ? 'text' : 'reasoning', part.id, part.providerMetadata);
        break;
      case 'tool-call': {
        const input = part.input;
        const call: ToolCallPart = {
          id: deps.ids('part'),
          kind: 'tool-call',
          toolCallId: part.toolCallId,
          toolName: part.toolName,
          step: toolStep(),
          // A call the provider or agent runs itself is already running when we hear of it.
          state: part.providerExecuted ? { status: 'running', input, startedAt: deps.clock.now() } : { status: 'pending', input },
          ...(part.providerExecuted ? { providerExecuted: true } : {}),
          ...(part.providerMetadata ? { providerMetadata: part.providerMetadata } : {}),
        };
        attempt.created.push(call.id);
        attempt.streamedChars += JSON.stringify(part.input ?? null).length;
        calls.set(call.toolCallId, call);
        callMessages.set(call.toolCallId, state.messageId);
        live.emit({ type: 'tool-call', runId, data: { messageId: state.messageId, part: call } });
        break;
      }
      case 'tool-result': {
        // A result the provider or agent produced: it settles its call's state.
        let call = calls.get(part.toolCallId);
        if (!call) {
          // A result without a call we saw: keep it, as a call whose input we never got.
          call = { id: deps.ids('part'), kind: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, step: toolStep(), state: { status: 'pending', input: null }, providerExecuted: true };
          attempt.created.push(call.id);
        }
        const settled: ToolCallPart = { ...call, state: settledToolState(call.state, part, deps.clock.now()) };
        calls.set(call.toolCallId, settled);
        live.emit({ type: 'tool-call', runId, data: { messageId: callMessages.get(call.toolCallId) ?? state.messageId, part: settled } });
        break;
      }
      case 'permission-request': {
        // A coding agent asks before running one of its calls; its turn waits for the decision.
        let call = calls.get(part.toolCallId);
        if (!call) {
          call = { id: deps.ids('part'), kind: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, step: toolStep(), state: { status: 'running', input: part.input, startedAt: deps.clock.now() }, providerExecuted: true };
          attempt.created.push(call.id);
        }
        const messageId = callMessages.get(call.toolCallId) ?? state.messageId;
        let decided: Awaited<ReturnType<typeof decidePermission>>;
        try {
          decided = await decidePermission(call, messageId === state.messageId ? state : { ...state, messageId }, deps, part.withdrawn);
        } catch (error) {
          part.answer('cancel');
          throw error;
        }
        part.answer(decided.answer);
        calls.set(call.toolCallId, decided.call);
        live.emit({ type: 'tool-call', runId, data: { messageId, part: decided.call } });
        break;
      }
      case 'plan': {
        // Each plan replaces the last: one part per attempt, upserted.
        if (planPartId === undefined) {
          planPartId = deps.ids('part');
          attempt.created.push(planPartId);
        }
        live.emit({ type: 'part-added', runId, data: { messageId: state.messageId, part: { id: planPartId, kind: 'plan', entries: part.entries } } });
        break;
      }
      case 'steer-ready':
        state.steering?.ready(part.steer);
        break;
      case 'steer-taken':
        // What follows answers the steered message, in a new assistant message: parts start afresh there.
        if (state.steering?.take(part.messageId, attempt)) {
          partIds.clear();
          step = undefined;
          planPartId = undefined;
        }
        break;
      case 'agent-session':
        state.agentSessionId = part.sessionId;
        break;
      case 'finish':
        finish = { finishReason: part.finishReason, usage: part.usage, costUsd: part.costUsd };
        break;
    }
  }
  closeOpenParts(state, attempt);
  const toolCalls = [...calls.values()].filter((call) => !call.providerExecuted);
  return {
    finishReason: finish?.finishReason ?? (toolCalls.length > 0 ? 'tool-calls' : 'other'),
    usage: finish?.usage,
    toolCalls,
    costUsd: finish?.costUsd,
  };
}

export function closeOpenParts(state: RunState, attempt: Attempt): void {
  for (const partId of attempt.open) state.live.emit({ type: 'part-end', runId: state.run.id, data: { messageId: state.messageId, partId } });
  attempt.open.clear();
}

export function discardAttempt(state: RunState, attempt: Attempt, reason: string): void {
  for (const partId of attempt.created) {
    state.live.emit({ type: 'part-discarded', runId: state.run.id, data: { messageId: state.messageId, partId, reason } });
  }
  attempt.created = [];
  attempt.open.clear();
  attempt.streamedChars = 0;
}

/** An attempt cut short by a stop: what it opened is closed and its estimate charged; the stop's reason is thrown. */
export function stopAttempt(state: RunState, attempt: Attempt, estimate: Usage): never {
  closeOpenParts(state, attempt);
  state.usage = addUsage(state.usage, estimate);
  throw state.signal.reason;
}

/** A failed attempt that will be tried again: its parts discarded, the retry announced (`run-retrying`) and logged, the delay waited out. */
export async function retryAttempt(state: RunState, deps: RunDependencies, attempt: Attempt, retry: { attemptNumber: number; error: UpstreamError; delayMs: number; log: string }): Promise<void> {
  const { attemptNumber, error, delayMs } = retry;
  discardAttempt(state, attempt, `attempt ${attemptNumber} failed: ${error.code}`);
  state.live.emit({
    type: 'run-retrying',
    runId: state.run.id,
    data: { attempt: attemptNumber + 1, maxAttempts: deps.retry.maxAttempts, delayMs, error: { code: error.code, message: error.message } },
  });
  deps.logger.warn(retry.log, { runId: state.run.id, code: error.code, attempt: attemptNumber, delayMs });
  await sleep(deps.clock, delayMs, state.signal);
}
