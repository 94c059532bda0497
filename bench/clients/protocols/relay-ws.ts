/**
 * The raw relay's WebSocket (`/ws`): one socket per watcher, `{"type":"subscribe","key","after"}`
 * (after = the last seq seen), started by `POST /streams/<key>`.
 */
import { WebSocket } from 'ws';
import { requestJson, stringAfter } from '../http-request.ts';
import type { Protocol, ProtocolContext } from '../protocol.ts';
import { recordError, type Watcher } from '../watcher.ts';

export function relayProtocol({ init, stats }: ProtocolContext): Protocol {
  const sockets = new Map<Watcher, WebSocket>();
  const wsUrl = `${init.baseUrl.replace(/^http/, 'ws')}/ws`;

  const onFrame = (watcher: Watcher, text: string, acked: () => void) => {
    stats.frames++;
    const delta = stringAfter(text, '"delta":"');
    if (delta) {
      const seqAt = text.indexOf('"seq":');
      if (seqAt >= 0) watcher.position = text.slice(seqAt + 6, text.indexOf(',', seqAt));
      watcher.onDelta(delta.value);
      return;
    }
    if (text.includes('"subscribed":true')) return acked();
    if (text.includes('"end":true')) watcher.finish();
  };

  const open = (watcher: Watcher, after: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
      sockets.set(watcher, socket);
      let settled = false;
      const settle = (error?: string) => {
        if (settled) return;
        settled = true;
        if (error) reject(new Error(error));
        else resolve();
      };
      socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', key: watcher.plan.conversationId, after })));
      socket.on('message', (data) => onFrame(watcher, data.toString('latin1'), () => settle()));
      socket.on('error', (error) => (settled ? recordError(stats, `socket: ${error.message}`) : settle(error.message)));
      socket.on('close', () => settle('closed before the subscription was acknowledged'));
    });

  return {
    connect: (watcher) => open(watcher, -1),
    async start(watcher) {
      const message = watcher.sendStart();
      const reply = await requestJson('POST', `${init.baseUrl}/streams/${encodeURIComponent(watcher.plan.conversationId)}`, message);
      if (reply.status !== 202) throw new Error(`start: HTTP ${reply.status}`);
      return undefined;
    },
    join: async () => {},
    drop(watcher) {
      sockets.get(watcher)?.terminate();
      sockets.delete(watcher);
    },
    async resume(watcher) {
      watcher.markResuming();
      await open(watcher, watcher.position === '' ? -1 : Number(watcher.position));
    },
    close() {
      for (const socket of sockets.values()) socket.terminate();
      sockets.clear();
    },
  };
}
