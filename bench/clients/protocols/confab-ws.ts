/**
 * Confab over its WebSocket (`/v1/ws`): one socket per watcher, `subscribe {conversationId, after}`
 * (after = the last event's cursor on resume), started by `POST /v1/conversations/:id/messages`.
 * Frames are read with indexOf: `part-delta` gives the delta and the cursor; a `run-*` end event
 * finishes the watcher; only a `snapshot` (a cursor that could not be replayed) is JSON-parsed.
 */
import { WebSocket } from 'ws';
import { requestJson, stringAfter } from '../http-request.ts';
import { recordError, type Watcher } from '../watcher.ts';
import type { Protocol, ProtocolContext } from '../protocol.ts';

const runEnd = /"type":"run-(completed|stopped|failed|interrupted)"/;

export function confabProtocol({ init, stats }: ProtocolContext): Protocol {
  const sockets = new Map<Watcher, WebSocket>();
  const wsUrl = `${init.baseUrl.replace(/^http/, 'ws')}/v1/ws`;
  const auth = { authorization: `Bearer ${init.token}` };

  const onFrame = (watcher: Watcher, text: string, acked: () => void, failed: (message: string) => void) => {
    stats.frames++;
    if (text.includes('"type":"part-delta"')) {
      const cursor = stringAfter(text, '"cursor":"');
      if (cursor) watcher.position = cursor.value;
      const delta = stringAfter(text, '"delta":"');
      if (delta) watcher.onDelta(delta.value);
      return;
    }
    if (text.startsWith('{"type":"ack"')) return acked();
    if (text.startsWith('{"type":"error"')) return failed(text.slice(0, 300));
    const cursor = stringAfter(text, '"cursor":"');
    if (cursor) watcher.position = cursor.value;
    if (text.includes('"type":"snapshot"')) return applySnapshot(watcher, text);
    if (runEnd.test(text)) watcher.finish();
  };

  const open = (watcher: Watcher, after: string | undefined) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(wsUrl, { headers: auth, perMessageDeflate: false });
      sockets.set(watcher, socket);
      let settled = false;
      const settle = (error?: string) => {
        if (settled) return;
        settled = true;
        if (error) reject(new Error(error));
        else resolve();
      };
      socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', id: 1, conversationId: watcher.plan.conversationId, ...(after ? { after } : {}) })));
      socket.on('message', (data) => onFrame(watcher, data.toString('latin1'), () => settle(), (message) => (settled ? recordError(stats, message) : settle(message))));
      socket.on('error', (error) => (settled ? recordError(stats, `socket: ${error.message}`) : settle(error.message)));
      socket.on('unexpected-response', (_req, res) => settle(`upgrade refused: HTTP ${res.statusCode}`));
      socket.on('close', () => settle('closed before the subscription was acknowledged'));
    });

  return {
    connect: (watcher) => open(watcher, undefined),
    async start(watcher) {
      const message = watcher.sendStart();
      const reply = await requestJson('POST', `${init.sendUrl ?? init.baseUrl}/v1/conversations/${encodeURIComponent(watcher.plan.conversationId)}/messages`, { content: message }, auth);
      if (reply.status !== 202) throw new Error(`send: HTTP ${reply.status} ${reply.text.slice(0, 200)}`);
      return undefined;
    },
    join: async () => {},
    drop(watcher) {
      sockets.get(watcher)?.terminate();
      sockets.delete(watcher);
    },
    async resume(watcher) {
      watcher.markResuming();
      await open(watcher, watcher.position || undefined);
    },
    close() {
      for (const socket of sockets.values()) socket.terminate();
      sockets.clear();
    },
  };
}

/** The text of the last assistant message in a snapshot, and whether its run is over. */
function applySnapshot(watcher: Watcher, text: string): void {
  const event = JSON.parse(text) as { data: { state: { messages: { role: string; status?: string; parts: { kind: string; text?: string }[] }[] } } };
  const messages = event.data.state.messages;
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'assistant') return;
  watcher.resetText(last.parts.filter((part) => part.kind === 'text').map((part) => part.text ?? '').join(''));
  if (last.status && last.status !== 'streaming') watcher.finish();
}
