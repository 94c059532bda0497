/**
 * The LangGraph API server: the starter streams its run with `POST /threads/<id>/runs/stream`
 * (`messages-tuple` mode, resumable, continue on disconnect); other watchers, and a dropped
 * starter, join `GET /threads/<id>/runs/<run>/stream` with `Last-Event-ID` (-1: from the start).
 * Token text is the `"content": "…"` of each message chunk (the server pretty-prints its JSON).
 */
import { stringAfter } from '../http-request.ts';
import type { Protocol, ProtocolContext } from '../protocol.ts';
import type { Watcher } from '../watcher.ts';
import { sseWatch } from './sse-watch.ts';

export function langgraphProtocol({ init, stats }: ProtocolContext): Protocol {
  const runs = new Map<string, string>();
  const watch = sseWatch(stats, {
    readDeltas(frame, onDelta) {
      if (!frame.startsWith('event: messages')) return;
      const content = stringAfter(frame, '"content": "');
      if (content) onDelta(content.value);
    },
    readPosition(frame) {
      const at = frame.lastIndexOf('\nid: ');
      return at < 0 ? undefined : frame.slice(at + 5).trim();
    },
  });

  const joinRun = async (watcher: Watcher, runId: string) => {
    const url = `${init.baseUrl}/threads/${watcher.plan.conversationId}/runs/${runId}/stream`;
    const { status } = await watch.open(watcher, 'GET', url, undefined, { 'last-event-id': watcher.position || '-1' });
    if (status !== 200) throw new Error(`join: HTTP ${status}`);
  };

  return {
    connect: async () => {},
    async start(watcher) {
      const message = watcher.sendStart();
      const body = {
        assistant_id: 'chat',
        input: { messages: [{ role: 'user', content: message }] },
        stream_mode: ['messages-tuple'],
        stream_resumable: true,
        on_disconnect: 'continue',
      };
      const { status, headers } = await watch.open(watcher, 'POST', `${init.baseUrl}/threads/${watcher.plan.conversationId}/runs/stream`, body, {});
      if (status !== 200) throw new Error(`runs/stream: HTTP ${status}`);
      const runId = String(headers['content-location'] ?? '').split('/runs/')[1] ?? '';
      runs.set(watcher.plan.conversationId, runId);
      return runId;
    },
    async join(watcher, runId) {
      runs.set(watcher.plan.conversationId, runId);
      await joinRun(watcher, runId);
    },
    drop: (watcher) => watch.drop(watcher),
    async resume(watcher) {
      watcher.markResuming();
      await joinRun(watcher, runs.get(watcher.plan.conversationId) ?? '');
    },
    close: () => watch.close(),
  };
}
