import { ConfabError } from '../domain/errors.ts';
import type { ConversationState } from '../domain/schemas.ts';
import { isTerminalRunStatus } from '../domain/schemas.ts';
import type { Store } from '../store/store.ts';

/** Reads of one conversation that disagree (another node checkpointed between them) are tried again this often. */
const maxReads = 5;

/**
 * A conversation's state as the store holds it, and the seq it is current as of: the conversation,
 * its messages, its unfinished runs (plus the last one that ended) and its pending approvals.
 * `consistent`: other nodes checkpoint the same conversation meanwhile (scale-out), so the seq is
 * read before and after the records and the read is repeated until the two agree; a checkpoint
 * only ever moves the seq forward (checkpoint-commits.ts), so records read between two equal seqs
 * are the fold at that seq (plus records written ahead of their events, which replay unchanged).
 */
export async function readStoredConversation(store: Store, conversationId: string, options: { consistent: boolean }): Promise<{ state: ConversationState; lastSeq: number }> {
  for (let reads = 1; ; reads++) {
    const before = options.consistent ? await store.getLastSeq(conversationId) : undefined;
    const conversation = await store.getConversation(conversationId);
    if (!conversation) throw new ConfabError('not_found', `No conversation ${conversationId}.`);
    const [messages, runs, approvals, lastSeq] = await Promise.all([
      store.listMessages(conversationId),
      store.listRuns(conversationId),
      store.listApprovals(conversationId, ['pending']),
      store.getLastSeq(conversationId),
    ]);
    if (before !== undefined && before !== lastSeq) {
      if (reads === maxReads) throw new ConfabError('internal', `Conversation ${conversationId} changed under ${maxReads} reads in a row; try again.`);
      continue;
    }
    const lastEnded = runs.filter((run) => isTerminalRunStatus(run.status)).at(-1);
    const state: ConversationState = {
      conversation,
      messages,
      runs: [...(lastEnded ? [lastEnded] : []), ...runs.filter((run) => !isTerminalRunStatus(run.status))],
      ...(approvals.length > 0 ? { approvals } : {}),
    };
    return { state, lastSeq };
  }
}
