import type { Message, Run } from '../domain/schemas.ts';
import type { Store } from '../store/store.ts';

/**
 * Start-up recovery: a run the store says is `running` or `queued` cannot be executing (this process
 * just started), so it becomes `interrupted`. Its partial assistant message is kept and marked
 * interrupted; a queued run's user message is added to the conversation so the user's words are
 * not lost. Either can then be continued. Returns the runs it changed. A run parked for an approval
 * (`requires-action`) is not touched, nor are the runs queued behind it: they wait on (approvals/).
 */
export async function recoverInterruptedRuns(store: Store, now: number): Promise<Run[]> {
  const parked = new Set((await store.listRunsByStatus(['requires-action'])).map((run) => run.conversationId));
  const stale = (await store.listRunsByStatus(['running', 'queued'])).filter((run) => run.status === 'running' || !parked.has(run.conversationId));
  const byConversation = Map.groupBy(stale, (run) => run.conversationId);
  const recovered: Run[] = [];
  for (const [conversationId, runs] of byConversation) {
    const messages = await store.listMessages(conversationId);
    const changedMessages: Message[] = [];
    const changedRuns: Run[] = [];
    for (const run of runs.sort((a, b) => a.createdAt - b.createdAt)) {
      const materialized = run.input && !messages.some((message) => message.id === run.input!.id);
      if (materialized) changedMessages.push({ ...run.input!, updatedAt: now });
      const assistant = messages.find((message) => message.id === run.assistantMessageId);
      if (assistant && assistant.status === 'streaming') changedMessages.push({ ...assistant, status: 'interrupted', updatedAt: now });
      changedRuns.push({ ...run, status: 'interrupted', finishReason: 'interrupted', endedAt: now });
    }
    await store.commit({ messages: changedMessages, runs: changedRuns });
    recovered.push(...changedRuns);
  }
  return recovered;
}
