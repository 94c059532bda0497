/**
 * The AI SDK baseline: the starter's `POST /api/chat` response is its stream (a UI message stream
 * over SSE); other watchers, and a dropped starter, use `GET /api/chat/<id>/stream?resumeAt=N`
 * where N is the characters of SSE already read (resumable-stream's `skipCharacters`).
 */
import { nowMs } from '../../upstream/token-code.ts';
import { stringAfter } from '../http-request.ts';
import { joinDeadlineMs, joinRetryMs, sleep, type Protocol, type ProtocolContext } from '../protocol.ts';
import type { Watcher } from '../watcher.ts';
import { sseWatch } from './sse-watch.ts';

export function aiSdkProtocol({ init, stats }: ProtocolContext): Protocol {
  const watch = sseWatch(stats, {
    readDeltas(frame, onDelta) {
      if (!frame.includes('"type":"text-delta"')) return;
      const delta = stringAfter(frame, '"delta":"');
      if (delta) onDelta(delta.value);
    },
    readPosition: (_frame, frames) => String(frames.consumed),
  });

  /** GET the active stream from `resumeAt`, retrying while the chat has no active stream yet (204). */
  const attach = async (watcher: Watcher) => {
    const deadline = nowMs() + joinDeadlineMs;
    const resumeAt = Number(watcher.position || 0);
    for (;;) {
      const url = `${init.baseUrl}/api/chat/${encodeURIComponent(watcher.plan.conversationId)}/stream${resumeAt > 0 ? `?resumeAt=${resumeAt}` : ''}`;
      const { status } = await watch.open(watcher, 'GET', url, undefined, {}, resumeAt);
      if (status === 200) return;
      if (nowMs() > deadline) throw new Error(`resume: HTTP ${status} until the deadline`);
      await sleep(joinRetryMs);
    }
  };

  return {
    connect: async () => {},
    async start(watcher) {
      const message = watcher.sendStart();
      const body = { id: watcher.plan.conversationId, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: message }] }] };
      const { status } = await watch.open(watcher, 'POST', `${init.baseUrl}/api/chat`, body, {});
      if (status !== 200) throw new Error(`POST /api/chat: HTTP ${status}`);
      return watcher.plan.conversationId;
    },
    join: (watcher) => attach(watcher),
    drop: (watcher) => watch.drop(watcher),
    async resume(watcher) {
      watcher.markResuming();
      await attach(watcher);
    },
    close: () => watch.close(),
  };
}
