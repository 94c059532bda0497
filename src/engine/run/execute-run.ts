import { ConfabError } from '../../domain/errors.ts';
import type { FinishReason, Message, Run, Usage, WireError } from '../../domain/schemas.ts';
import { emptyUsage } from '../../domain/schemas.ts';
import { isToolSettled } from '../../domain/tool-state.ts';
import { computeCost, estimateTokens, type Pricing } from '../../providers/pricing.ts';
import type { StepSource } from '../../providers/stream-part.ts';
import { UpstreamError } from '../../providers/upstream-error.ts';
import { sleep } from '../../util/clock.ts';
import { buildPrompt, prefillTrim } from './build-prompt.ts';
import { abortReason, type RunDependencies, type RunState, type RunWriter } from './run-context.ts';
import { closeOpenParts, discardAttempt, newAttempt, runStep, type Attempt, type StepOutcome } from './run-step.ts';
import { refuseTools, runTools } from './run-tools.ts';
import { retryDelay } from './retry-policy.ts';
import { addCost, addUsage } from './usage.ts';

type Ending =
  | { status: 'completed'; finishReason: FinishReason }
  | { status: 'stopped' | 'interrupted'; finishReason: FinishReason }
  | { status: 'failed'; finishReason: FinishReason; error: WireError };

/**
 * Executes one run from `queued` to its end: adds its user message, opens (or, for `continue`,
 * reopens) the assistant message, loops model steps and tools up to the step cap, retries transient
 * upstream errors, and always ends with the message completed, the run in a terminal state, the
 * conversation's totals updated, and all of it handed to the store.
 */
export async function executeRun(live: RunWriter, queued: Run, projectRoot: string | undefined, signal: AbortSignal, deps: RunDependencies): Promise<Run> {
  const now = () => deps.clock.now();
  const model = live.state.conversation.model;
  if (queued.input) live.emit({ type: 'message-created', runId: queued.id, data: { message: queued.input } });

  let message = queued.assistantMessageId ? live.state.messages.find((candidate) => candidate.id === queued.assistantMessageId) : undefined;
  if (message) {
    live.emit({ type: 'message-updated', runId: queued.id, data: { messageId: message.id, status: 'streaming' } });
  } else {
    const created: Message = {
      id: deps.ids('msg'),
      conversationId: live.id,
      role: 'assistant',
      parts: [],
      status: 'streaming',
      runId: queued.id,
      model,
      usage: null,
      cost: null,
      createdAt: now(),
      updatedAt: now(),
    };
    live.emit({ type: 'message-created', runId: queued.id, data: { message: created } });
    message = created;
  }

  const run: Run = { ...queued, status: 'running', model, assistantMessageId: message.id, startedAt: now() };
  live.emit({ type: 'run-started', runId: run.id, data: { run } });
  const state: RunState = { live, run, messageId: message.id, projectRoot: projectRoot ?? '', signal, usage: emptyUsage(), attempts: 0, steps: 0, agentSessionId: run.agentSessionId };

  let pricing: Pricing | undefined;
  let ending: Ending;
  try {
    // Tools work in the conversation's project and nowhere else: never a fallback directory.
    if (projectRoot === undefined) throw new ConfabError('not_found', `The project "${live.state.conversation.projectName}" no longer exists, so this run has no directory to work in.`);
    const resolved = deps.models.resolve(model);
    pricing = resolved.pricing;
    ending = await loopSteps(resolved.source, state, deps);
  } catch (error) {
    ending = endingFor(error, signal, deps);
  }
  // A run taken over by another worker is theirs to end: this one writes nothing more.
  if (abortReason(signal)?.kind === 'fenced') return state.run;
  return await finish(state, ending, pricing, deps);
}

async function loopSteps(source: StepSource, state: RunState, deps: RunDependencies): Promise<Ending> {
  const tools = deps.tools.specs();
  while (true) {
    const outcome = await stepWithRetries(source, state, tools, deps);
    state.steps++;
    if (outcome.toolCalls.length === 0) {
      return { status: 'completed', finishReason: outcome.finishReason === 'tool-calls' ? 'other' : outcome.finishReason };
    }
    if (state.steps >= deps.maxSteps) {
      refuseTools(outcome.toolCalls, state, `Not run: the run reached its limit of ${deps.maxSteps} steps.`, deps);
      return { status: 'completed', finishReason: 'tool-limit' };
    }
    await runTools(outcome.toolCalls, state, deps);
  }
}

async function stepWithRetries(source: StepSource, state: RunState, tools: ReturnType<RunDependencies['tools']['specs']>, deps: RunDependencies): Promise<StepOutcome> {
  const { live, signal } = state;
  for (let attemptNumber = 1; ; attemptNumber++) {
    await live.flush();
    const attempt = newAttempt(prefillTrim(live.state.messages));
    const messages = buildPrompt(live.state.messages);
    const request = { system: live.state.conversation.systemPrompt, messages, tools, signal };
    state.attempts++;
    try {
      const outcome = await runStep(source, request, state, attempt, deps);
      state.usage = addUsage(state.usage, outcome.usage ?? estimateUsage(request, attempt));
      return outcome;
    } catch (error) {
      if (signal.aborted) {
        closeOpenParts(state, attempt);
        state.usage = addUsage(state.usage, estimateUsage(request, attempt));
        throw signal.reason;
      }
      const upstream = toUpstreamError(error);
      const delayMs = retryDelay(attemptNumber, upstream, deps.retry, deps.random);
      if (delayMs === undefined) {
        closeOpenParts(state, attempt);
        throw upstream;
      }
      discardAttempt(state, attempt, `attempt ${attemptNumber} failed: ${upstream.code}`);
      live.emit({
        type: 'run-retrying',
        runId: state.run.id,
        data: { attempt: attemptNumber + 1, maxAttempts: deps.retry.maxAttempts, delayMs, error: { code: upstream.code, message: upstream.message } },
      });
      deps.logger.warn('upstream error, retrying', { runId: state.run.id, code: upstream.code, attempt: attemptNumber, delayMs });
      await sleep(deps.clock, delayMs, signal);
    }
  }
}

/** Usage when the provider reported none (a stopped stream): our estimate, marked as such. */
function estimateUsage(request: { system: string; messages: unknown }, attempt: Attempt): Usage {
  return {
    inputTokens: estimateTokens(request.system) + estimateTokens(JSON.stringify(request.messages)),
    outputTokens: Math.ceil(attempt.streamedChars / 4),
    estimated: true,
  };
}

function toUpstreamError(error: unknown): UpstreamError {
  if (UpstreamError.is(error)) return error;
  return new UpstreamError({ code: 'unknown', message: 'The model request failed unexpectedly.', retryable: false, cause: error });
}

function endingFor(error: unknown, signal: AbortSignal, deps: RunDependencies): Ending {
  const reason = abortReason(signal);
  if (reason) return reason.kind === 'shutdown' ? { status: 'interrupted', finishReason: 'interrupted' } : { status: 'stopped', finishReason: 'stopped' };
  if (UpstreamError.is(error)) {
    return { status: 'failed', finishReason: 'error', error: { code: 'upstream_error', message: `${upstreamLabel[error.code]}: ${error.message}` } };
  }
  if (ConfabError.is(error)) return { status: 'failed', finishReason: 'error', error: error.toWire() };
  deps.logger.error('run failed with an internal error', { error });
  return { status: 'failed', finishReason: 'error', error: { code: 'internal', message: 'The run failed because of an internal error.' } };
}

const upstreamLabel: Record<UpstreamError['code'], string> = {
  auth: 'Authentication failed',
  billing: 'Billing or quota problem',
  not_found: 'Model or endpoint not found',
  rate_limit: 'Rate limited',
  server: 'Provider server error',
  network: 'Network error',
  timeout: 'Timed out',
  cancelled: 'Cancelled',
  bad_request: 'Request rejected',
  unknown: 'Upstream error',
};

/**
 * Ends the run. The message's final state is flushed, then the run and conversation records are
 * written, and only then are the terminal events emitted: a client that sees `run-completed` can
 * rely on the store having it. On a durable log the terminal events are stored first (the journal
 * is the store a crash recovers from) and the records written right after them.
 */
async function finish(state: RunState, ending: Ending, pricing: Pricing | undefined, deps: RunDependencies): Promise<Run> {
  const { live, messageId } = state;
  const runId = state.run.id;
  await live.flush();
  const message = live.state.messages.find((candidate) => candidate.id === messageId)!;
  for (const part of message.parts) {
    if (part.kind === 'tool-call' && !isToolSettled(part.state)) refuseTools([part], state, 'Not run: the run ended first.', deps);
  }
  if (ending.status === 'failed') {
    live.emit({ type: 'part-added', runId, data: { messageId, part: { id: deps.ids('part'), kind: 'error', ...ending.error } } });
  }
  const runCost = computeCost(state.usage, pricing);
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
