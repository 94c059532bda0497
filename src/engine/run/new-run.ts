import { emptyUsage, type Run } from '../../domain/schemas.ts';

/** A queued run's record: nothing executed, charged or ended yet. */
export function newRunRecord(
  base: { conversationId: string; model: string; createdAt: number },
  fields: Pick<Run, 'id' | 'trigger' | 'userMessageId' | 'input' | 'clientRequestId'> & Partial<Pick<Run, 'assistantMessageId' | 'agentSessionId'>>,
): Run {
  return {
    ...base,
    status: 'queued',
    assistantMessageId: null,
    finishReason: null,
    usage: emptyUsage(),
    cost: null,
    attempts: 0,
    steps: 0,
    error: null,
    agentSessionId: null,
    startedAt: null,
    endedAt: null,
    ...fields,
  };
}
