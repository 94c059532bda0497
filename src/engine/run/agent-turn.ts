import type { AgentSource, AgentTurnRequest } from '../../agents/agent-source.ts';
import type { Message, Run, Usage } from '../../domain/schemas.ts';
import { estimateTokens, roundUsd } from '../../providers/pricing.ts';
import { toUpstreamError, UpstreamError } from '../../providers/upstream-error.ts';
import { userPromptText } from './build-prompt.ts';
import type { Ending } from './end-run.ts';
import { retryDelay } from './retry-policy.ts';
import type { RunDependencies, RunState } from './run-context.ts';
import { closeOpenParts, newAttempt, retryAttempt, runStep, stopAttempt, type Attempt } from './run-step.ts';
import { refuseTools } from './run-tools.ts';
import { TurnSteering } from './turn-steering.ts';
import { addUsage } from './usage.ts';

const continuePrompt = 'Continue from where you stopped.';

/**
 * Runs one turn of a coding agent: the agent runs its own tool loop in the project directory,
 * resuming the conversation's previous session with it. Its parts become events exactly as a
 * model step's do. A failed attempt that produced no tool activity is retried like a model step;
 * one that already ran tools is never re-run silently (the tools had effects): the run fails and
 * says so, and the user decides.
 */
export async function runAgentTurn(agent: AgentSource, state: RunState, deps: RunDependencies): Promise<Ending> {
  const { live } = state;
  await live.flush();
  const steering = agent.steering === true ? new TurnSteering(state, deps) : undefined;
  state.steering = steering;
  try {
    return await attemptTurns(agent, state, deps);
  } finally {
    steering?.close();
    state.steering = undefined;
  }
}

async function attemptTurns(agent: AgentSource, state: RunState, deps: RunDependencies): Promise<Ending> {
  const { live, signal, run } = state;
  const request: Omit<AgentTurnRequest, 'signal'> = {
    cwd: state.projectRoot,
    model: agentModel(run.model),
    prompt: run.input ? userPromptText(run.input) : continuePrompt,
    system: live.state.conversation.systemPrompt,
    resumeSessionId: state.agentSessionId ?? previousSession(live.state.runs, run),
  };
  for (let attemptNumber = 1; ; attemptNumber++) {
    await live.flush();
    const attempt = newAttempt();
    const takenBefore = state.steering?.taken ?? 0;
    state.attempts++;
    const turn = { ...request, resumeSessionId: state.agentSessionId ?? request.resumeSessionId, signal };
    try {
      const outcome = await runStep({ stream: () => agent.turn(turn) }, { system: turn.system, messages: [], tools: [], signal }, state, attempt, deps);
      state.steps++;
      state.usage = addUsage(state.usage, outcome.usage ? { ...outcome.usage, agentReported: true } : estimate(turn.prompt, attempt));
      if (outcome.costUsd !== undefined) state.reportedCost = { amount: roundUsd(outcome.costUsd), currency: 'USD', estimated: false, agentReported: true };
      // An agent runs its own tools; a call it hands back has no one to run it.
      if (outcome.toolCalls.length > 0) refuseTools(outcome.toolCalls, state, 'Not run: a coding agent runs its own tools.', deps);
      return { status: 'completed', finishReason: outcome.finishReason === 'tool-calls' ? 'other' : outcome.finishReason };
    } catch (error) {
      if (signal.aborted) stopAttempt(state, attempt, estimate(turn.prompt, attempt));
      const upstream = toUpstreamError(error);
      // A steered message the agent took is in its session, and its reply split: never re-run.
      const done = (state.steering?.taken ?? 0) > takenBefore ? 'taken a steered message' : (await attemptRanTools(state, attempt)) ? 'run tools' : undefined;
      const delayMs = done ? undefined : retryDelay(attemptNumber, upstream, deps.retry, deps.random);
      if (delayMs === undefined) {
        closeOpenParts(state, attempt);
        state.usage = addUsage(state.usage, estimate(turn.prompt, attempt));
        if (done && upstream.retryable) throw notReRun(upstream, done);
        throw upstream;
      }
      await retryAttempt(state, deps, attempt, { attemptNumber, error: upstream, delayMs, log: 'agent turn failed before running tools, retrying' });
    }
  }
}

/** `claude/sonnet` → `sonnet`; `claude` or `claude/default` → the agent's own default (''). */
function agentModel(model: string): string {
  const slash = model.indexOf('/');
  const name = slash === -1 ? '' : model.slice(slash + 1);
  return name === 'default' ? '' : name;
}

/** The session of this conversation's last turn with the same agent (provider), to resume it. */
function previousSession(runs: Run[], current: Run): string | null {
  const provider = current.model.split('/')[0];
  const previous = runs.filter((candidate) => candidate.id !== current.id && candidate.agentSessionId !== null && candidate.model.split('/')[0] === provider).at(-1);
  return previous?.agentSessionId ?? null;
}

async function attemptRanTools(state: RunState, attempt: Attempt): Promise<boolean> {
  await state.live.flush();
  const message = state.live.state.messages.find((candidate) => candidate.id === state.messageId);
  return (message?.parts ?? []).some((part) => part.kind === 'tool-call' && part.providerExecuted === true && attempt.created.includes(part.id));
}

function notReRun(error: UpstreamError, done: string): UpstreamError {
  return new UpstreamError({
    code: error.code,
    message: `${error.message} The agent had already ${done} in this turn, so it was not run again automatically: send the message again or continue.`,
    retryable: false,
    cause: error,
  });
}

/** Usage when the agent reported none (a stopped or failed turn): our estimate, marked as such. */
function estimate(prompt: string, attempt: Attempt): Usage {
  return { inputTokens: estimateTokens(prompt), outputTokens: Math.ceil(attempt.streamedChars / 4), estimated: true };
}
