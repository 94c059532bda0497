import type { ConversationState, Message, Run } from '../domain/schemas.ts';
import { isTerminalRunStatus } from '../domain/schemas.ts';
import { ConfabClientError } from './client-error.ts';
import type { ConversationWatch, WatchState } from './conversation-watch.ts';

/** What a send answered: the user message it added and the run it queued. */
type Sent = { message: Pick<Message, 'id'>; run: Pick<Run, 'id'> };

/**
 * The run whose reply answers the message a send added: the run of the assistant message that
 * follows it. That is the send's own run, except for a message steered into a running agent turn
 * (`onBusy: "steer"`): its run ends at once (`completed`, finishReason `steered`) and the run that
 * took it writes the reply. Undefined while the state shows no reply yet (and the send's run has
 * not ended without one).
 */
export function answeringRunId(state: ConversationState, sent: Sent): string | undefined {
  const reply = state.messages.find((message) => message.role === 'assistant' && message.parentId === sent.message.id);
  if (reply?.runId) return reply.runId;
  const run = state.runs.find((candidate) => candidate.id === sent.run.id);
  return run && isTerminalRunStatus(run.status) && run.finishReason !== 'steered' ? run.id : undefined;
}

/**
 * Resolves with the run that answered a send once that run has ended (see `answeringRunId`): for
 * a plain send, its own run; for a steered message, the run it was steered into. Call it soon
 * after the send, as `runEnded`. Rejects when the conversation is deleted or the watch fails.
 */
export function runAnswered(watch: ConversationWatch, sent: Sent): Promise<Run> {
  return new Promise((resolve, reject) => {
    let stop: (() => void) | undefined;
    const check = (current: WatchState): boolean => {
      const answering = current.state ? answeringRunId(current.state, sent) : undefined;
      const failure = current.deleted ? new ConfabClientError('not_found', 'The conversation was deleted.') : current.error;
      if (answering === undefined && !failure) return false;
      stop?.();
      if (answering === undefined) reject(failure);
      else watch.runEnded(answering).then(resolve, reject);
      return true;
    };
    if (!check(watch.current)) stop = watch.subscribe((current) => void check(current));
  });
}
