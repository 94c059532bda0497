import type { StreamPart } from '../providers/stream-part.ts';

/**
 * What the user reads when the agent session a conversation was using could not be continued: a
 * new session started, without the earlier history, and why.
 */
export function lostSessionNotice(sessionId: string, reason: string): StreamPart[] {
  const id = 'session-notice';
  return [
    { type: 'text-start', id },
    { type: 'text-delta', id, delta: `[Confab: the agent's earlier session ${sessionId} could not be continued (${reason}); this reply starts a new session without the earlier history.]\n\n` },
    { type: 'text-end', id },
  ];
}
