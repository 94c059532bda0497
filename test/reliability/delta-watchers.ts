/**
 * Watchers for crash tests: an SSE stream and a WebSocket subscription to one conversation of a
 * spawned `confab serve`, each recording every event it was shown with the local receive time
 * (`performance.now()`, the clock the test reads when it kills the server).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { SpawnedServe } from '../support/server-fixture.ts';
import { openSse, parseFrames } from '../support/sse-client.ts';
import { connectWs } from '../support/ws-client.ts';

export type Seen = { event: any; at: number };

export type Watcher = {
  name: string;
  seen: Seen[];
  /** Resolves when the server ended the stream (or after `timeoutMs`). */
  ended(timeoutMs: number): Promise<void>;
  close(): void;
};

/** A text delta of one run as a watcher saw it: where it starts in the text, and when it arrived. */
export type ShownDelta = { start: number; end: number; at: number };

/** `after`: resume from this cursor (as a client that reconnects does). */
export async function watchSse(serve: SpawnedServe, conversationId: string, after?: string): Promise<Watcher> {
  const query = after === undefined ? '' : `?after=${encodeURIComponent(after)}`;
  const sse = await openSse(`${serve.url}/v1/conversations/${conversationId}/events${query}`, { authorization: `Bearer ${serve.token}` });
  assert.equal(sse.status, 200);
  const seen: Seen[] = [];
  let consumed = 0;
  const consume = () => {
    const at = performance.now();
    const raw = sse.raw();
    const end = raw.lastIndexOf('\n\n') + 2;
    if (end <= consumed) return;
    for (const frame of parseFrames(raw.slice(consumed, end))) if (frame.data !== undefined) seen.push({ event: JSON.parse(frame.data), at });
    consumed = end;
  };
  sse.onData(consume);
  // A chunk that came with the response head (a replay, say) was delivered before onData existed.
  consume();
  return { name: 'sse', seen, ended: (timeoutMs) => within(sse.ended, timeoutMs), close: () => sse.close() };
}

export async function watchWs(serve: SpawnedServe, conversationId: string, after?: string): Promise<Watcher> {
  const client = await connectWs(serve.url, { authorization: `Bearer ${serve.token}` });
  client.socket.on('error', () => {}); // a SIGKILLed server resets the connection; `closed` reports it
  const seen: Seen[] = [];
  // Registered after the client's own listener, so the frame just parsed is the last one.
  client.socket.on('message', () => {
    const frame = client.frames.at(-1);
    if (typeof frame?.seq === 'number') seen.push({ event: frame, at: performance.now() });
  });
  const ack = await client.request({ type: 'subscribe', conversationId, ...(after === undefined ? {} : { after }) });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return { name: 'ws', seen, ended: (timeoutMs) => within(client.closed, timeoutMs), close: () => client.close() };
}

/** The text deltas of `runId` a watcher was shown, in order, with their offsets in the text. */
export function shownDeltas(watcher: Watcher, runId: string): { text: string; deltas: ShownDelta[] } {
  let text = '';
  const deltas: ShownDelta[] = [];
  for (const { event, at } of watcher.seen) {
    if (event.type !== 'part-delta' || event.runId !== runId) continue;
    deltas.push({ start: text.length, end: text.length + event.data.delta.length, at });
    text += event.data.delta;
  }
  return { text, deltas };
}

/** The text of a stored or snapshot message: its text parts, joined. */
export function messageText(message: { parts: { kind: string; text?: string }[] } | undefined): string {
  return (message?.parts ?? []).filter((part) => part.kind === 'text').map((part) => part.text).join('');
}

function within(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  return Promise.race([promise.then(() => {}), timeout]).finally(() => clearTimeout(timer));
}
