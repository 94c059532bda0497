import type { SessionInfo } from '../domain/records.ts';
import type { Run } from '../domain/schemas.ts';
import type { ConversationCache } from './conversation-cache.ts';

/** Live conversations of the cache: what is running, queued and watched. */
export function sessionsOf(cache: ConversationCache): SessionInfo[] {
  return cache.all().map((live) => ({
    conversationId: live.id,
    projectName: live.state.conversation.projectName,
    title: live.state.conversation.title,
    status: sessionStatus(live.active !== undefined, live.state.runs),
    subscribers: watchers(live.subscriptions),
    activeRunId: live.active?.runId ?? null,
    queuedRunIds: live.state.runs.filter((run) => run.status === 'queued').map((run) => run.id),
    cursor: live.cursor,
  }));
}

function watchers(subscriptions: ReadonlySet<{ relay: boolean }>): number {
  let count = 0;
  for (const subscription of subscriptions) if (!subscription.relay) count++;
  return count;
}

function sessionStatus(active: boolean, runs: Run[]): SessionInfo['status'] {
  if (active) return 'running';
  if (runs.some((run) => run.status === 'requires-action')) return 'requires-action';
  return runs.some((run) => run.status === 'queued') ? 'queued' : 'idle';
}
