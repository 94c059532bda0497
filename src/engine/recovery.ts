import type { Run } from '../domain/schemas.ts';
import type { Store } from '../store/store.ts';
import type { Checkpointer } from './checkpointer.ts';
import type { ConversationCache } from './conversation-cache.ts';
import type { EventLog } from './event-log/event-log.ts';
import type { LiveConversation } from './live-conversation.ts';

/**
 * Start-up recovery. Each conversation with a run the records left `running` or `queued`, or whose
 * durable log holds events past its records (what clients were shown before a crash), is loaded:
 * loading folds those events, so its state is exactly what clients saw. Nothing can be executing
 * (this process just started), so every run still running or queued becomes `interrupted`, through
 * events on the conversation's log: a watcher that resumes from a cursor issued before the crash
 * replays them like any other change. A running run's partial assistant message is kept and marked
 * interrupted; a queued run's user message is added to the conversation so the user's words are
 * not lost. Either can then be continued. A run parked for an approval (`requires-action`) is
 * not touched, nor are the runs queued behind it: they wait on (approvals/). The records are
 * written before it returns the runs it changed.
 */
export async function recoverConversations(options: { store: Store; eventLog: EventLog; cache: ConversationCache; checkpointer: Checkpointer; now: () => number }): Promise<Run[]> {
  const parked = new Set((await options.store.listRunsByStatus(['requires-action'])).map((run) => run.conversationId));
  const stale = (await options.store.listRunsByStatus(['running', 'queued'])).filter((run) => run.status === 'running' || !parked.has(run.conversationId));
  const ids = new Set([...stale.map((run) => run.conversationId), ...(await options.eventLog.conversationsToRecover())]);
  const recovered: Run[] = [];
  const lives: LiveConversation[] = [];
  for (const id of ids) {
    const live = await options.cache.use(id);
    lives.push(live);
    recovered.push(...interruptLeftovers(live, options.now()));
  }
  await Promise.all(lives.map((live) => live.flush()));
  await options.checkpointer.flush();
  for (const live of lives) options.cache.release(live);
  return recovered;
}

/**
 * Emits what ends every run of `live` still running, or queued when no run is parked, in the order
 * they were created. Decided on the folded state: the journal may have parked a run the records
 * still show running.
 */
function interruptLeftovers(live: LiveConversation, now: number): Run[] {
  const parked = live.state.runs.some((run) => run.status === 'requires-action');
  const leftovers = live.state.runs.filter((run) => run.status === 'running' || (run.status === 'queued' && !parked)).sort((a, b) => a.createdAt - b.createdAt);
  return leftovers.map((run) => {
    const input = run.input;
    if (input && !live.state.messages.some((message) => message.id === input.id)) {
      live.emit({ type: 'message-created', runId: run.id, data: { message: { ...input, updatedAt: now } } });
    }
    const assistant = live.state.messages.find((message) => message.id === run.assistantMessageId);
    if (assistant?.status === 'streaming') {
      live.emit({ type: 'message-completed', runId: run.id, data: { messageId: assistant.id, status: 'interrupted', usage: assistant.usage, cost: assistant.cost } });
    }
    const ended: Run = { ...run, status: 'interrupted', finishReason: 'interrupted', endedAt: now };
    live.emit({ type: 'run-interrupted', runId: run.id, data: { run: ended } });
    return ended;
  });
}
