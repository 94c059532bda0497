import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import type { ConfabEvent } from '../events/definitions.ts';
import { Subscription } from '../engine/subscription.ts';
import { systemClock } from '../util/clock.ts';
import { silentLogger } from '../util/logger.ts';
import { RemoteRuns } from './remote-runs.ts';
import { WorkerConnection } from './worker-connection.ts';
import { WorkerDirectory } from './worker-directory.ts';
import { workerProtocolVersion } from './worker-protocol.ts';
import type { WorkerRecord, WorkerTokenStore } from './worker-tokens.ts';

const record: WorkerRecord = { name: 'slow-reader', projects: ['p'], tokenHash: 'h', createdAt: 1 };
const tokens: WorkerTokenStore = { list: async () => [record], findByHash: async () => record, add: async () => {}, remove: async () => false };
const highWaterBytes = 64 * 1024;

function delta(seq: number): ConfabEvent {
  return { seq, cursor: `e.${seq}`, type: 'part-delta', runId: 'run_1', at: 1, conversationId: 'conv_1', data: { messageId: 'msg_1', partId: 'part_1', delta: 'y'.repeat(2_000) } } as ConfabEvent;
}

/** Turns of the event loop, timers included (the connection looks again at a full socket every 25 ms); nothing is asserted on how long they take. */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
}

test('a worker that stops reading does not grow the server\'s memory: events are relayed only while the socket holds under the high-water mark, the subscription falls back to a snapshot, and past the hard limit the worker is cut', { timeout: 30_000 }, async (t) => {
  const directory = await WorkerDirectory.open({ tokens, projects: { getProject: async () => undefined, createProject: async () => {} } as never, clock: systemClock });
  const runs = new RemoteRuns({ directory, clock: systemClock });
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  t.after(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const accepted = new Promise<{ ws: WebSocket; connection: WorkerConnection }>((resolve) =>
    wss.on('connection', (ws) => {
      const limits = { heartbeatMs: 60_000, highWaterBytes, maxBufferedBytes: 4 * 1024 * 1024, maxMalformedFrames: 5, registerTimeoutMs: 10_000 };
      resolve({ ws, connection: new WorkerConnection({ ws, record, directory, runs, limits, logger: silentLogger }) });
    }),
  );
  await new Promise((resolve) => (wss.address() ? resolve(undefined) : wss.once('listening', resolve)));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
  t.after(() => client.terminate());
  const registered = new Promise((resolve) => client.once('message', resolve));
  await new Promise((resolve) => client.once('open', resolve));
  client.send(JSON.stringify({ type: 'register', version: workerProtocolVersion, projects: ['p'], concurrency: 1 }));
  await registered;
  const { ws, connection } = await accepted;
  // The worker reads nothing more from now on.
  (client as unknown as { _socket: { pause(): void } })._socket.pause();

  let snapshots = 0;
  const subscription = new Subscription({ conversationId: 'conv_1', limit: 200, source: { snapshot: () => (snapshots++, delta(0)), unsubscribed: () => {} } });
  connection.feed({ runId: 'run_1', attempt: 1 }, subscription);
  let seq = 0;
  // The conversation streams on (8 MB of deltas) while the worker reads nothing.
  for (let round = 0; round < 40; round++) {
    for (let index = 0; index < 100; index++) subscription.push(delta(++seq));
    await turns(1);
    assert.ok(subscription.pending <= 201, `the subscription holds at most its limit (${subscription.pending})`);
    assert.ok(ws.bufferedAmount <= highWaterBytes + 100 * 2_200, `the server's socket queue stays near the high-water mark (${ws.bufferedAmount} bytes)`);
  }
  assert.ok(subscription.overflows > 0, 'the subscription overflowed instead of growing');
  assert.ok(ws.bufferedAmount > highWaterBytes, 'the socket is full (the kernel buffers are full too)');
  const queued = ws.bufferedAmount;
  await turns(20);
  assert.equal(ws.bufferedAmount, queued, 'nothing more is relayed while the socket is above the high-water mark');
  assert.equal(snapshots, 0, 'the snapshot waits for the socket to drain too');

  // A frame that takes the queue past the hard limit cuts the worker: it does not read what it is sent.
  const closed = new Promise((resolve) => ws.once('close', resolve));
  connection.send({ type: 'error', code: 'bad_request', message: 'z'.repeat(4 * 1024 * 1024) });
  await closed;
  assert.equal(directory.online('p'), false);
});
