import { isAgentSource } from '../agents/agent-source.ts';
import { ConfabError } from '../domain/errors.ts';
import type { ConversationState, Run } from '../domain/schemas.ts';
import type { ModelResolver } from './run/run-context.ts';

/**
 * What a send made while the conversation is busy, under the `steer` policy, becomes: a `steer`
 * run, taken into the running run's turn by its agent (turn-steering.ts), when the run running is
 * a coding agent that can take input mid-turn on this server; otherwise a plain `send` that waits
 * behind it, as `enqueue` does. With no run running (only queued ones, or one parked for an
 * approval) there is nothing to steer into: the message waits its turn. A run that cannot take it
 * refuses an explicit `onBusy: "steer"` (`steer_unsupported`); a conversation whose default
 * policy is `steer` falls back to waiting.
 */
export function sendTrigger(state: ConversationState, models: ModelResolver, options: { explicit: boolean; onMachineWorkers: boolean }): Run['trigger'] {
  const running = state.runs.find((run) => run.status === 'running');
  if (!running) return 'send';
  const reason = options.onMachineWorkers ? 'its project runs on machine workers, where steering is not available' : steeringRefusal(models, running.model);
  if (reason === undefined) return 'steer';
  if (options.explicit) throw new ConfabError('steer_unsupported', `The running reply cannot take a message mid-turn: ${reason}. Send it with onBusy "enqueue" to have it answered next.`);
  return 'send';
}

/** Why runs of `model` cannot take steered messages (undefined: they can). */
function steeringRefusal(models: ModelResolver, model: string): string | undefined {
  let source;
  try {
    source = models.resolve(model).source;
  } catch {
    return `its model ${model} is no longer configured`;
  }
  if (!isAgentSource(source)) return `${model} is a model, not a coding agent (only agents that support it, such as Codex, take input mid-turn)`;
  return source.steering === true ? undefined : `the agent behind ${model} does not support adding input to a running turn`;
}
