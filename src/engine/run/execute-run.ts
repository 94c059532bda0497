import { ConfabError } from '../../domain/errors.ts';
import type { Message, Run, Usage } from '../../domain/schemas.ts';
import { emptyUsage } from '../../domain/schemas.ts';
import { estimateTokens, type Pricing } from '../../providers/pricing.ts';
import type { StepSource } from '../../providers/stream-part.ts';
import { toUpstreamError, UpstreamError } from '../../providers/upstream-error.ts';
import { isAgentSource } from '../../agents/agent-source.ts';
import { activeBranch, pathTo } from '../../domain/branches.ts';
import { runAgentTurn } from './agent-turn.ts';
import { buildPrompt, prefillTrim } from './build-prompt.ts';
import { abortReason, toolScope, type RunDependencies, type RunState, type RunWriter } from './run-context.ts';
import { closeOpenParts, newAttempt, retryAttempt, runStep, stopAttempt, type Attempt, type StepOutcome } from './run-step.ts';
import { finish, park, type Ending } from './end-run.ts';
import { awaitingCalls, refuseTools, runTools, type ToolsOutcome } from './run-tools.ts';
import { retryDelay } from './retry-policy.ts';
import { addUsage } from './usage.ts';

/**
 * Executes one run from `queued` to its end: adds its user message, opens (or, for `continue`,
 * reopens) the assistant message, loops model steps and tools up to the step cap, retries transient
 * upstream errors, and always ends with the message completed, the run in a terminal state, the
 * conversation's totals updated, and all of it handed to the store. A tool call that needs a
 * person's approval parks the run instead (`requires-action`, end-run.ts); executed again once
 * answered, the run resumes from its stored message: the calls that waited first, then more steps.
 */
export async function executeRun(live: RunWriter, queued: Run, projectRoot: string | undefined, signal: AbortSignal, deps: RunDependencies): Promise<Run> {
  const resuming = queued.status === 'requires-action';
  const state = resuming ? reopenRun(live, queued, projectRoot, signal) : openRun(live, queued, projectRoot, signal, deps);
  let pricing: Pricing | undefined;
  let ending: Ending;
  try {
    // Tools work in the conversation's project and nowhere else: never a fallback directory.
    if (projectRoot === undefined) throw new ConfabError('not_found', `The project "${live.state.conversation.projectName}" no longer exists, so this run has no directory to work in.`);
    const resolved = deps.models.resolve(state.run.model);
    pricing = resolved.pricing;
    ending = isAgentSource(resolved.source) ? await runAgentTurn(resolved.source, state, deps) : await loopSteps(resolved.source, state, deps, resuming);
  } catch (error) {
    ending = endingFor(error, signal, deps);
  }
  // A run taken over by another worker is theirs to end: this one writes nothing more.
  if (abortReason(signal)?.kind === 'fenced') return state.run;
  if (ending.status === 'requires-action') {
    try {
      return await park(state, ending.requested, deps);
    } catch (error) {
      deps.logger.error('could not store approval requests', { runId: state.run.id, error });
      ending = { status: 'failed', finishReason: 'error', error: { code: 'internal', message: 'The run could not store its approval request.' } };
    }
  }
  return await finish(state, ending, pricing, deps);
}

/** Starts a queued run: its user message, its assistant message (new, or reopened by `continue`). */
function openRun(live: RunWriter, queued: Run, projectRoot: string | undefined, signal: AbortSignal, deps: RunDependencies): RunState {
  const now = () => deps.clock.now();
  const model = live.state.conversation.model;
  // A plain send follows the branch shown when its run starts (after the runs queued before it).
  const input = queued.input && { ...queued.input, parentId: queued.input.parentId !== undefined ? queued.input.parentId : branchLeafId(live.state) };
  if (input) live.emit({ type: 'message-created', runId: queued.id, data: { message: input } });

  let message = queued.assistantMessageId ? live.state.messages.find((candidate) => candidate.id === queued.assistantMessageId) : undefined;
  if (message) {
    live.emit({ type: 'message-updated', runId: queued.id, data: { messageId: message.id, status: 'streaming' } });
  } else {
    const created: Message = {
      id: deps.ids('msg'),
      conversationId: live.id,
      role: 'assistant',
      parentId: input?.id ?? queued.userMessageId ?? branchLeafId(live.state),
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
  return { live, run, messageId: message.id, projectRoot: projectRoot ?? '', signal, usage: emptyUsage(), attempts: 0, steps: 0, agentSessionId: run.agentSessionId, reportedCost: null };
}

function branchLeafId(state: RunWriter['state']): string | null {
  return activeBranch(state.messages, state.conversation.activeMessageId).at(-1)?.id ?? null;
}

/** Resumes a parked run (its approvals answered) with the usage, attempts and steps it had so far. */
function reopenRun(live: RunWriter, parked: Run, projectRoot: string | undefined, signal: AbortSignal): RunState {
  const run: Run = { ...parked, status: 'running' };
  live.emit({ type: 'run-resumed', runId: run.id, data: { run } });
  const messageId = parked.assistantMessageId!;
  return { live, run, messageId, projectRoot: projectRoot ?? '', signal, usage: parked.usage, attempts: parked.attempts, steps: parked.steps, agentSessionId: parked.agentSessionId, reportedCost: null };
}

async function loopSteps(source: StepSource, state: RunState, deps: RunDependencies, resuming: boolean): Promise<Ending> {
  if (resuming) {
    const outcome = await runTools(awaitingCalls(state), state, deps);
    if (outcome.kind !== 'settled') return waitingEnding(outcome);
  }
  const tools = await deps.tools.specs(toolScope(state), state.signal);
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
    const toolsOutcome = await runTools(outcome.toolCalls, state, deps);
    if (toolsOutcome.kind !== 'settled') return waitingEnding(toolsOutcome);
  }
}

function waitingEnding(outcome: Exclude<ToolsOutcome, { kind: 'settled' }>): Ending {
  return outcome.kind === 'waiting' ? { status: 'requires-action', requested: outcome.requested } : { status: 'stopped', finishReason: 'stopped' };
}

async function stepWithRetries(source: StepSource, state: RunState, tools: Awaited<ReturnType<RunDependencies['tools']['specs']>>, deps: RunDependencies): Promise<StepOutcome> {
  const { live, signal } = state;
  for (let attemptNumber = 1; ; attemptNumber++) {
    await live.flush();
    // The prompt is the branch that leads to the message this run writes, whatever branch is shown.
    const branch = pathTo(live.state.messages, state.messageId);
    const attempt = newAttempt(prefillTrim(branch));
    const messages = buildPrompt(branch);
    const request = { system: live.state.conversation.systemPrompt, messages, tools, signal };
    state.attempts++;
    try {
      const outcome = await runStep(source, request, state, attempt, deps);
      state.usage = addUsage(state.usage, outcome.usage ?? estimateUsage(request, attempt));
      return outcome;
    } catch (error) {
      if (signal.aborted) stopAttempt(state, attempt, estimateUsage(request, attempt));
      const upstream = toUpstreamError(error);
      const delayMs = retryDelay(attemptNumber, upstream, deps.retry, deps.random);
      if (delayMs === undefined) {
        closeOpenParts(state, attempt);
        throw upstream;
      }
      await retryAttempt(state, deps, attempt, { attemptNumber, error: upstream, delayMs, log: 'upstream error, retrying' });
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

function endingFor(error: unknown, signal: AbortSignal, deps: RunDependencies): Ending {
  const reason = abortReason(signal);
  if (reason?.kind === 'time-limit') {
    return { status: 'failed', finishReason: 'error', error: { code: 'time_limit', message: `The run took longer than its time limit (${Math.round(reason.limitMs / 1000)} s) and was stopped.` } };
  }
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
