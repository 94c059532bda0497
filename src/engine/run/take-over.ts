import { emptyUsage, type Run } from '../../domain/schemas.ts';
import { finish } from './end-run.ts';
import { newRunRecord } from './new-run.ts';
import type { RunDependencies, RunWriter } from './run-context.ts';

/**
 * What a worker does with a run it is handed that is already `running`: the worker that ran it died
 * (the distributed queue dispatched it again, a later attempt) or gave up on it. `interrupt` ends
 * it `interrupted` with its partial message kept; `continue-once` also queues a `continue` run that
 * carries on from that partial, unless the dead run was itself a continue (so a run that kills its
 * workers ends, visibly, after one more try).
 */
export type TakeOverPolicy = 'continue-once' | 'interrupt';

export async function takeOverRun(
  live: RunWriter,
  orphan: Run,
  options: { policy: TakeOverPolicy; signal: AbortSignal; queueContinue: (run: Run) => Promise<void> },
  deps: RunDependencies,
): Promise<Run> {
  await live.flush();
  // Given up before it ever started: the user's words are kept, as start-up recovery keeps them.
  if (orphan.status === 'queued' && orphan.input && !live.state.messages.some((message) => message.id === orphan.input!.id)) {
    live.emit({ type: 'message-created', runId: orphan.id, data: { message: orphan.input } });
  }
  const messageId = orphan.status === 'queued' ? null : orphan.assistantMessageId;
  let ended: Run;
  if (messageId && live.state.messages.some((message) => message.id === messageId)) {
    const state = { live, run: orphan, messageId, projectRoot: '', signal: options.signal, usage: emptyUsage(), attempts: orphan.attempts, steps: orphan.steps, agentSessionId: orphan.agentSessionId, reportedCost: null };
    ended = await finish(state, { status: 'interrupted', finishReason: 'interrupted' }, undefined, deps);
  } else {
    ended = { ...orphan, status: 'interrupted', finishReason: 'interrupted', endedAt: deps.clock.now() };
    live.emit({ type: 'run-interrupted', runId: orphan.id, data: { run: ended } });
  }
  deps.logger.warn('took over a run whose worker was lost', { runId: orphan.id, policy: options.policy });
  if (options.policy === 'continue-once') await queueContinueOnce(live, orphan, options.queueContinue, deps);
  return ended;
}

/**
 * Queues a `continue` run that carries on from a run taken over after its worker was lost, unless
 * that run was itself a continue (one more try, then it ends visibly). Returns the continue run, if
 * one was queued.
 */
export function queueContinueOnce(live: RunWriter, orphan: Run, queueContinue: (run: Run) => Promise<void>, deps: Pick<RunDependencies, 'clock' | 'ids' | 'persistence'>): Promise<Run | undefined> {
  if (orphan.trigger === 'continue') return Promise.resolve(undefined);
  return queueContinueRun(live, orphan, queueContinue, deps);
}

/**
 * Queues a `continue` run that carries on from `ended`'s partial message, as a user's `continue`
 * would: after a take-over, and when a worker shutting down hands back a run it could not finish in
 * its grace period (another worker carries on). Nothing when the conversation is deleted.
 */
export async function queueContinueRun(live: RunWriter, ended: Run, queueContinue: (run: Run) => Promise<void>, deps: Pick<RunDependencies, 'clock' | 'ids' | 'persistence'>): Promise<Run | undefined> {
  if (live.deleted) return undefined;
  const next = newRunRecord(
    { conversationId: ended.conversationId, model: live.state.conversation.model, createdAt: deps.clock.now() },
    { id: deps.ids('run'), trigger: 'continue', userMessageId: null, input: null, clientRequestId: null, assistantMessageId: ended.assistantMessageId, agentSessionId: ended.agentSessionId },
  );
  live.emit({ type: 'run-queued', runId: next.id, data: { run: next } });
  await live.flush();
  await deps.persistence.flush();
  await queueContinue(next);
  return next;
}
