import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessageRefInput, SendInput } from '../domain/requests.ts';
import type { ConfabEvent } from '../events/definitions.ts';
import { flush, ManualScheduler } from '../../test/client/support/manual-scheduler.ts';
import type { ApproveResult, ContinueResult, RegenerateResult, SelectBranchResult, SendResult, StopResult } from './api-types.ts';
import { ConfabClientError } from './client-error.ts';
import { Connection, type ConnectionState, type Subscriber, type TransportMode } from './connection.ts';
import type { Transport, TransportKind } from './transport.ts';

/** An in-memory transport whose start and commands the test scripts. */
class MemoryTransport implements Transport {
  readonly kind: TransportKind;
  onevent?: Transport['onevent'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  readonly subscribed: [string, string | null][] = [];
  readonly sends: SendInput[] = [];
  readonly #startFails: boolean;
  refuseSubscribe: ConfabClientError | undefined;
  dropOnSend = false;
  closed = false;

  constructor(kind: TransportKind, startFails: boolean) {
    this.kind = kind;
    this.#startFails = startFails;
  }
  async start(): Promise<void> {
    if (this.#startFails) throw new ConfabClientError('network', `${this.kind} refused`);
  }
  async subscribe(conversationId: string, after: string | null): Promise<void> {
    this.subscribed.push([conversationId, after]);
    if (this.refuseSubscribe) throw this.refuseSubscribe;
  }
  async unsubscribe(): Promise<void> {}
  async send(_conversationId: string, input: SendInput): Promise<SendResult> {
    this.sends.push(input);
    if (this.dropOnSend) {
      this.drop();
      throw new ConfabClientError('network', 'dropped before the answer');
    }
    return { message: {} as SendResult['message'], run: { id: `run_for_${input.clientRequestId}` } as SendResult['run'] };
  }
  async stop(): Promise<StopResult> {
    return { run: null };
  }
  async regenerate(): Promise<RegenerateResult> {
    throw new ConfabClientError('conversation_busy', 'busy');
  }
  async selectBranch(): Promise<SelectBranchResult> {
    throw new ConfabClientError('not_found', 'no message');
  }
  async approve(): Promise<ApproveResult> {
    throw new ConfabClientError('not_found', 'no approval');
  }
  async continue(): Promise<ContinueResult> {
    throw new ConfabClientError('nothing_to_continue', 'nothing');
  }
  async close(): Promise<void> {
    this.closed = true;
    this.onclose?.(null);
  }
  drop(): void {
    this.onclose?.(new ConfabClientError('network', 'connection lost'));
  }
  emit(event: Pick<ConfabEvent, 'conversationId' | 'seq'>): void {
    this.onevent?.({ ...event, cursor: `E.${event.seq}`, runId: null, type: 'part-end', at: 0, data: { messageId: 'm', partId: 'p' } } as ConfabEvent);
  }
}

type Plan = { websocket?: boolean[]; sse?: boolean[]; probe?: boolean[] };

/** A Connection with scripted transports: `plan.websocket[i]` says whether the i-th WebSocket start succeeds. */
function harness(options: { mode?: TransportMode; plan?: Plan; maxAttempts?: number } = {}) {
  const scheduler = new ManualScheduler();
  const plan = { websocket: [...(options.plan?.websocket ?? [])], sse: [...(options.plan?.sse ?? [])], probe: [...(options.plan?.probe ?? [])] };
  const transports: MemoryTransport[] = [];
  let probes = 0;
  const connection = new Connection({
    mode: options.mode ?? 'auto',
    createTransport(kind) {
      const transport = new MemoryTransport(kind, !(plan[kind].shift() ?? true));
      transports.push(transport);
      return transport;
    },
    async probe() {
      probes++;
      if (!(plan.probe.shift() ?? true)) throw new ConfabClientError('network', 'HTTP unreachable too');
    },
    reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 0, maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY },
    scheduler,
    random: () => 0,
    requestTimeoutMs: 5_000,
  });
  const states: ConnectionState[] = [];
  connection.onChange((state) => states.push(state));
  const brief = () => states.map((state) => `${state.status}:${state.attempt}:${state.nextDelayMs ?? '-'}:${state.transport ?? '-'}`);
  return { connection, scheduler, transports, states, brief, probes: () => probes };
}

function subscriber(conversationId: string, cursor: string | null) {
  const received: ConfabEvent[] = [];
  const rejected: ConfabClientError[] = [];
  const state = { cursor };
  const value: Subscriber = {
    conversationId,
    cursor: () => state.cursor,
    deliver(event) {
      received.push(event);
      state.cursor = event.cursor;
    },
    reject: (error) => void rejected.push(error),
    setLive: (live) => void lives.push(live),
  };
  const lives: boolean[] = [];
  return { value, received, rejected, state, lives };
}

describe('Connection', () => {
  test('stays idle until something needs it, then connects over WebSocket and subscribes from each cursor', async () => {
    const { connection, transports, brief } = harness();
    assert.equal(connection.state.status, 'idle');
    connection.add(subscriber('conv_a', 'E.3').value);
    connection.add(subscriber('conv_b', null).value);
    await flush();
    assert.deepEqual(brief(), ['connecting:0:-:-', 'open:0:-:websocket']);
    assert.equal(transports.length, 1);
    assert.deepEqual(transports[0].subscribed, [['conv_a', 'E.3'], ['conv_b', null]]);
  });

  test('after a drop it reconnects with exponential backoff and resubscribes every conversation from its latest cursor', async () => {
    const { connection, scheduler, transports, brief } = harness({ mode: 'websocket', plan: { websocket: [true, false, false, true] } });
    const a = subscriber('conv_a', 'E.3');
    const b = subscriber('conv_b', 'F.1');
    connection.add(a.value);
    connection.add(b.value);
    await flush();
    assert.deepEqual(a.lives, [true]);
    transports[0].emit({ conversationId: 'conv_a', seq: 4 });
    transports[0].emit({ conversationId: 'conv_b', seq: 2 });
    transports[0].drop();
    assert.deepEqual(scheduler.pending, [100]);
    scheduler.advance(100);
    await flush();
    assert.deepEqual(scheduler.pending, [200], 'the second attempt waits twice as long');
    scheduler.advance(200);
    await flush();
    assert.deepEqual(scheduler.pending, [400]);
    scheduler.advance(400);
    await flush();
    assert.deepEqual(brief(), [
      'connecting:0:-:-',
      'open:0:-:websocket',
      'reconnecting:1:100:-',
      'reconnecting:1:-:-',
      'reconnecting:2:200:-',
      'reconnecting:2:-:-',
      'reconnecting:3:400:-',
      'reconnecting:3:-:-',
      'open:0:-:websocket',
    ]);
    assert.deepEqual(transports[3].subscribed, [['conv_a', 'E.4'], ['conv_b', 'E.2']]);
    assert.equal(connection.state.error, null);
    assert.deepEqual(a.lives, [true, false, true], 'live while subscribed, not while reconnecting');
  });

  test('events reach the subscriber of their conversation only, and nothing from a transport that was replaced', async () => {
    const { connection, scheduler, transports } = harness();
    const a = subscriber('conv_a', null);
    const b = subscriber('conv_b', null);
    connection.add(a.value);
    connection.add(b.value);
    await flush();
    transports[0].emit({ conversationId: 'conv_a', seq: 1 });
    transports[0].emit({ conversationId: 'conv_c', seq: 1 });
    const old = transports[0];
    old.drop();
    scheduler.advance(100);
    await flush();
    old.emit({ conversationId: 'conv_a', seq: 2 });
    transports[1].emit({ conversationId: 'conv_b', seq: 7 });
    assert.deepEqual(a.received.map((event) => event.seq), [1]);
    assert.deepEqual(b.received.map((event) => event.seq), [7]);
  });

  test('gives up after maxAttempts with the last error; a new command starts connecting again', async () => {
    const { connection, scheduler, brief } = harness({ maxAttempts: 2, plan: { websocket: [false, false, false, true], probe: [false, false, false] } });
    connection.add(subscriber('conv_a', null).value);
    await flush();
    scheduler.advance(100);
    await flush();
    scheduler.advance(200);
    await flush();
    assert.equal(connection.state.status, 'closed');
    assert.equal(connection.state.error?.message, 'websocket refused');
    assert.deepEqual(scheduler.pending, [], 'no more attempts are scheduled');
    const sent = connection.command((transport) => transport.send('conv_a', { content: 'hi', clientRequestId: 'r1' }), 0);
    await flush();
    assert.equal((await sent).run.id, 'run_for_r1');
    assert.deepEqual(brief().slice(-2), ['connecting:0:-:-', 'open:0:-:websocket']);
  });

  test('auto: a WebSocket that cannot open while HTTP answers means upgrades are refused: SSE from then on', async () => {
    const { connection, scheduler, transports, probes } = harness({ plan: { websocket: [false] } });
    connection.add(subscriber('conv_a', 'E.1').value);
    await flush();
    assert.deepEqual(transports.map((transport) => transport.kind), ['websocket', 'sse']);
    assert.equal(connection.state.transport, 'sse');
    assert.equal(connection.fellBack, true);
    assert.equal(probes(), 1);
    transports[1].drop();
    scheduler.advance(100);
    await flush();
    assert.deepEqual(transports.map((transport) => transport.kind), ['websocket', 'sse', 'sse'], 'no WebSocket is tried again');
    assert.deepEqual(transports[2].subscribed, [['conv_a', 'E.1']]);
  });

  test('auto: a WebSocket that cannot open while HTTP fails too is a server that is down: retry WebSocket after the backoff', async () => {
    const { connection, scheduler, transports } = harness({ plan: { websocket: [false, true], probe: [false] } });
    connection.add(subscriber('conv_a', null).value);
    await flush();
    assert.equal(connection.state.status, 'reconnecting');
    scheduler.advance(100);
    await flush();
    assert.deepEqual(transports.map((transport) => transport.kind), ['websocket', 'websocket']);
    assert.equal(connection.state.transport, 'websocket');
  });

  test('websocket mode never falls back', async () => {
    const { connection, transports } = harness({ mode: 'websocket', plan: { websocket: [false] } });
    connection.add(subscriber('conv_a', null).value);
    await flush();
    assert.deepEqual(transports.map((transport) => transport.kind), ['websocket']);
    assert.equal(connection.state.status, 'reconnecting');
  });

  test('a command lost with the connection before its answer is sent again on the next connection, with the same input', async () => {
    const { connection, scheduler, transports } = harness();
    connection.add(subscriber('conv_a', null).value);
    await flush();
    transports[0].dropOnSend = true;
    const result = connection.command((transport) => transport.send('conv_a', { content: 'hi', clientRequestId: 'req-1' }), 2);
    await flush();
    scheduler.advance(100);
    await flush();
    assert.equal((await result).run.id, 'run_for_req-1');
    assert.deepEqual([...transports[0].sends, ...transports[1].sends].map((input) => input.clientRequestId), ['req-1', 'req-1']);
  });

  test('a command is not retried beyond its allowance, and server errors are never retried', async () => {
    const { connection, transports } = harness();
    await connection.command(async () => undefined, 0);
    transports[0].dropOnSend = true;
    await assert.rejects(connection.command((transport) => transport.send('conv_a', { content: 'hi' }), 0), { code: 'network' });
    const fresh = harness();
    await assert.rejects(fresh.connection.command((transport) => transport.continue('conv_a'), 5), { code: 'nothing_to_continue' });
  });

  test('a command waiting for a connection that does not come fails after the request timeout', async () => {
    const { connection, scheduler } = harness({ plan: { websocket: [false, false], probe: [false, false] } });
    const result = connection.command(async () => 'never', 0);
    const outcome = assert.rejects(result, (error: ConfabClientError) => error.code === 'network' && /reconnecting/.test(error.message));
    await flush();
    scheduler.advance(5_000);
    await outcome;
  });

  test('a refused subscription is reported to its subscriber and not retried after a reconnect', async () => {
    const { connection, scheduler, transports } = harness({ plan: { websocket: [true, true] } });
    const gone = subscriber('conv_gone', null);
    const kept = subscriber('conv_kept', null);
    connection.add(kept.value);
    await flush();
    transports[0].refuseSubscribe = new ConfabClientError('not_found', 'No conversation conv_gone.');
    connection.add(gone.value);
    await flush();
    assert.deepEqual(gone.rejected.map((error) => error.code), ['not_found']);
    transports[0].drop();
    scheduler.advance(100);
    await flush();
    assert.deepEqual(transports[1].subscribed, [['conv_kept', null]]);
  });

  test('reconnect() skips the wait; close() cancels a pending attempt and nothing connects afterwards', async () => {
    const { connection, scheduler, transports } = harness({ mode: 'websocket', plan: { websocket: [true, false, true] } });
    connection.add(subscriber('conv_a', null).value);
    await flush();
    transports[0].drop();
    scheduler.advance(100);
    await flush();
    assert.deepEqual(scheduler.pending, [200]);
    connection.reconnect();
    await flush();
    assert.equal(connection.state.status, 'open');
    transports[2].drop();
    await connection.close();
    assert.deepEqual(scheduler.pending, []);
    assert.equal(connection.state.status, 'closed');
    assert.equal(transports.length, 3);
    await assert.rejects(connection.command(async () => 1, 0), { code: 'closed' });
  });
});
