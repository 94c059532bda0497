import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { ConfabError } from '../../domain/errors.ts';
import type { ConfabEvent } from '../../events/definitions.ts';
import { InstantClock } from '../../util/clock.ts';
import type { RedisMessageListener, RedisSubscriber } from '../redis/redis-clients.ts';
import { connectTestRedis } from '../redis/redis-test-connection.ts';
import { LogLostError, type EventDraft, type LogListener } from './event-log.ts';
import { RedisEventLog, type RedisEventLogOptions } from './redis-event-log.ts';
import { readScript } from './redis-log-scripts.ts';

/** The Redis log across "nodes": separate clients (and logs) on one Redis, one conversation. */
const redis = await connectTestRedis();
if (typeof redis === 'string') it('RedisEventLog across nodes', { skip: redis }, () => {});
else {
  after(() => redis.close());
  const nodeB = await redis.connectAgain();
  const opened: RedisEventLog[] = [];
  afterEach(() => opened.splice(0).forEach((log) => log.close()));
  const makeLog = (node: { commands: RedisEventLogOptions['redis']; subscriber: RedisSubscriber }, options: Partial<RedisEventLogOptions> = {}) => {
    const log = new RedisEventLog({ redis: node.commands, subscriber: node.subscriber, keyPrefix: redis.prefix, clock: new InstantClock(), capacity: 1000, newEpoch: () => randomBytes(6).toString('base64url'), ...options });
    opened.push(log);
    return log;
  };
  const nodeA = { commands: redis.commands, subscriber: redis.subscriber };
  const conversation = () => `conv_${randomBytes(5).toString('hex')}`;
  const draft = (n: number): EventDraft => ({ type: 'part-end', runId: 'run_1', data: { messageId: 'msg_1', partId: `part_${n}` } });
  const drafts = (from: number, count: number) => Array.from({ length: count }, (_, index) => draft(from + index));
  /** Resolves once the subscriber has received every message published so far (a round trip on its connection). */
  const received = async (subscriber: RedisSubscriber) => {
    const channel = `${redis.prefix}{sync}:sync`;
    await subscriber.sSubscribe(channel, () => {});
    await subscriber.sUnsubscribe(channel);
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

  describe('RedisEventLog across nodes', () => {
    it('appends on node A reach a subscriber on node B in order, each once, with the same events', async () => {
      const id = conversation();
      const onA = await makeLog(nodeA).open(id, { lastSeq: 0 });
      const onB = await makeLog(nodeB).open(id, { lastSeq: 0 });
      assert.equal(onB.epoch, onA.epoch, 'one shared history');
      const seen = recorder();
      await onB.subscribe(0, seen);
      const sizes = [1, 5, 2, 20, 1, 75, 3];
      let next = 1;
      for (const size of sizes) {
        await onA.append(drafts(next, size));
        next += size;
      }
      await Promise.all(sizes.map((size, index) => onA.append(drafts(1000 * (index + 1), size))));
      const total = 2 * (next - 1);
      await eventually(() => seen.received.length >= total, `node B sees ${total} events`);
      assert.deepEqual(seen.received.map((event) => event.seq), range(1, total));
      assert.equal(seen.gaps, 0);
      assert.deepEqual(seen.received, await onA.read(0), 'what B is pushed is what A reads back');
      assert.deepEqual(seen.received.slice(0, next - 1).map((event) => event.data), drafts(1, next - 1).map((one) => one.data));
      assert.equal(onB.lastSeq, total);
    });

    it('nodes appending at once all see one sequence, each event once, in order', async () => {
      const id = conversation();
      const [onA, onB] = [await makeLog(nodeA).open(id, { lastSeq: 10 }), await makeLog(nodeB).open(id, { lastSeq: 10 })];
      const [seenOnA, seenOnB] = [recorder(), recorder()];
      await onA.subscribe(10, seenOnA);
      await onB.subscribe(10, seenOnB);
      await Promise.all(range(1, 40).map((n) => (n % 2 === 0 ? onA : onB).append(drafts(n * 10, 1 + (n % 4)))));
      const total = range(1, 40).reduce((sum, n) => sum + 1 + (n % 4), 0);
      await eventually(() => seenOnA.received.length >= total && seenOnB.received.length >= total, 'both nodes see every event');
      assert.deepEqual(seenOnA.received.map((event) => event.seq), range(11, 10 + total));
      assert.deepEqual(seenOnB.received, seenOnA.received);
    });

    it('a stale fence from node A is refused after node B claimed a later attempt of the run', async () => {
      const id = conversation();
      const [onA, onB] = [await makeLog(nodeA).open(id, { lastSeq: 0 }), await makeLog(nodeB).open(id, { lastSeq: 0 })];
      await onA.claim({ runId: 'run_1', attempt: 1 });
      await onA.append([draft(1)], { runId: 'run_1', attempt: 1 });
      await onB.claim({ runId: 'run_1', attempt: 2 });
      await assert.rejects(onA.append([draft(2)], { runId: 'run_1', attempt: 1 }), (error) => ConfabError.is(error, 'stale_fence'));
      await assert.rejects(onA.claim({ runId: 'run_1', attempt: 1 }), (error) => ConfabError.is(error, 'stale_fence'));
      assert.deepEqual((await onB.append([draft(2)], { runId: 'run_1', attempt: 2 })).map((event) => event.seq), [2]);
      assert.deepEqual((await onA.read(0))?.map((event) => event.data), [draft(1).data, draft(2).data], 'the zombie appended nothing');
    });

    it('past maxClaims runs, the oldest run loses its claim: its fence is refused', async () => {
      const log = await makeLog(nodeA, { maxClaims: 2 }).open(conversation(), { lastSeq: 0 });
      for (const runId of ['run_1', 'run_2', 'run_3']) await log.claim({ runId, attempt: 1 });
      await assert.rejects(log.append([draft(1)], { runId: 'run_1', attempt: 1 }), (error) => ConfabError.is(error, 'stale_fence'));
      assert.deepEqual((await log.append([draft(1)], { runId: 'run_2', attempt: 1 })).map((event) => event.seq), [1]);
    });

    it('when Redis lost the keys, a reopened log has a new epoch and the old one refuses appends and signals a gap', async () => {
      const id = conversation();
      const before = await makeLog(nodeA).open(id, { lastSeq: 0 });
      await before.append(drafts(1, 5));
      const watcher = recorder();
      await before.subscribe(5, watcher);
      assert.ok((await redis.deleteKeys()) > 0);
      const reopened = await makeLog(nodeB).open(id, { lastSeq: 3 });
      assert.notEqual(reopened.epoch, before.epoch);
      assert.equal(reopened.lastSeq, 3, 'seqs continue from what the store knew');
      assert.deepEqual(await reopened.read(0), undefined, 'nothing before the new epoch is replayed');
      assert.deepEqual((await reopened.append([draft(4)])).map((event) => event.cursor), [`${reopened.epoch}.4`]);
      await eventually(() => watcher.gaps === 1, 'the old log tells its listener the history is gone');
      await assert.rejects(before.append([draft(9)]), (error) => LogLostError.is(error));
      await assert.rejects(before.claim({ runId: 'run_1', attempt: 1 }), (error) => LogLostError.is(error));
      assert.equal(await before.read(5), undefined);
      assert.deepEqual([watcher.received.length, watcher.gaps], [0, 1], 'never an event of the new epoch under the old one');
    });

    it('when Redis comes back behind what a node saw (an AOF tail lost), that epoch ends for every node: never the same seqs twice', async () => {
      const id = conversation();
      const [onA, onB] = [await makeLog(nodeA).open(id, { lastSeq: 0 }), await makeLog(nodeB).open(id, { lastSeq: 0 })];
      await onA.append(drafts(1, 10));
      const watcher = recorder();
      await onB.subscribe(undefined, watcher);
      await eventually(() => onB.lastSeq === 10, 'B knows seq 10');
      // What Redis restores from an AOF whose last second was lost: seq 7, events 8 to 10 gone.
      await redis.commands.hSet(`${redis.prefix}{${id}}:log`, 'seq', '7');
      await redis.commands.xDel(`${redis.prefix}{${id}}:events`, ['8-0', '9-0', '10-0']);
      const reconnected = new Promise<void>((resolve) => nodeB.subscriber.once('ready', () => resolve()));
      await redis.cut(nodeB.subscriber);
      await reconnected;
      await eventually(() => watcher.gaps === 1, 'B notices on reconnect and signals a gap');
      await assert.rejects(onA.append([draft(11)]), (error) => LogLostError.is(error));
      const reopened = await makeLog(nodeA).open(id, { lastSeq: 7 });
      assert.deepEqual([reopened.epoch !== onA.epoch, reopened.lastSeq], [true, 7]);
    });

    it('opening behind the store (Redis seq below the store lastSeq) starts a new epoch at the store lastSeq', async () => {
      const id = conversation();
      const first = await makeLog(nodeA).open(id, { lastSeq: 0 });
      await first.append(drafts(1, 2));
      const ahead = await makeLog(nodeA).open(id, { lastSeq: 7 });
      assert.deepEqual([ahead.epoch !== first.epoch, ahead.lastSeq], [true, 7]);
    });

    it('node B fills a hole in the seqs from the stream (lost pub/sub messages)', async () => {
      const id = conversation();
      const tap = tapSubscriber(nodeB.subscriber);
      const bCommands = countReads(nodeB.commands);
      const [onA, onB] = [await makeLog(nodeA).open(id, { lastSeq: 0 }), await makeLog({ commands: bCommands, subscriber: tap }).open(id, { lastSeq: 0 })];
      const seen = recorder();
      await onB.subscribe(0, seen);
      await onA.append(drafts(1, 2));
      await eventually(() => seen.received.length === 2, 'the first batch');
      tap.drop = true;
      await onA.append(drafts(3, 3));
      await onA.append(drafts(6, 1));
      await received(nodeB.subscriber);
      tap.drop = false;
      await onA.append(drafts(7, 2));
      await eventually(() => seen.received.length >= 8, 'B fills the hole');
      assert.deepEqual([seen.received.map((event) => event.seq), seen.gaps], [range(1, 8), 0]);
      assert.ok(bCommands.reads > 0, 'B read the stream to fill it');
    });

    it('a hole the stream no longer holds is a gap, then live events follow', async () => {
      const id = conversation();
      const tap = tapSubscriber(nodeB.subscriber);
      const [onA, onB] = [await makeLog(nodeA, { capacity: 3 }).open(id, { lastSeq: 0 }), await makeLog({ commands: nodeB.commands, subscriber: tap }, { capacity: 3 }).open(id, { lastSeq: 0 })];
      const seen = recorder();
      await onB.subscribe(0, seen);
      tap.drop = true;
      for (let n = 1; n <= 10; n++) await onA.append([draft(n)]);
      await received(nodeB.subscriber);
      tap.drop = false;
      await onA.append([draft(11)]);
      await eventually(() => seen.gaps === 1 && seen.received.length > 0, 'a gap, then live events');
      await onA.append([draft(12)]);
      await eventually(() => seen.received.at(-1)?.seq === 12, 'the next live event');
      assert.deepEqual([seen.gaps, seen.received.map((event) => event.seq)], [1, [11, 12]]);
    });

    it('past its queue bound a log drops live batches and re-reads the stream: still each event once, in order', async () => {
      const id = conversation();
      const tap = tapSubscriber(nodeB.subscriber);
      const bCommands = countReads(nodeB.commands);
      const [onA, onB] = [await makeLog(nodeA).open(id, { lastSeq: 0 }), await makeLog({ commands: bCommands, subscriber: tap }, { maxQueuedBatches: 2 }).open(id, { lastSeq: 0 })];
      const seen = recorder();
      await onB.subscribe(0, seen);
      tap.hold = true;
      for (let n = 1; n <= 30; n++) await onA.append(drafts(n * 2 - 1, 2));
      await received(nodeB.subscriber);
      tap.release();
      await eventually(() => seen.received.length >= 60, 'every event');
      assert.deepEqual([seen.received.map((event) => event.seq), seen.gaps], [range(1, 60), 0]);
      assert.ok(bCommands.reads > 0, 'the dropped batches were read back from the stream');
    });

    it('after its subscriber connection is cut, node B catches up from the stream once reconnected', async () => {
      const id = conversation();
      const [onA, onB] = [await makeLog(nodeA).open(id, { lastSeq: 0 }), await makeLog(nodeB).open(id, { lastSeq: 0 })];
      const seen = recorder();
      await onB.subscribe(0, seen);
      const reconnected = new Promise<void>((resolve) => nodeB.subscriber.once('ready', () => resolve()));
      await redis.cut(nodeB.subscriber);
      await onA.append(drafts(1, 4));
      await reconnected;
      await eventually(() => seen.received.length >= 4, 'B catches up without another append');
      assert.deepEqual([seen.received.map((event) => event.seq), seen.gaps], [range(1, 4), 0]);
    });

    it('refuses a key prefix or a conversation id with braces (they would move the hash tag)', async () => {
      assert.throws(() => makeLog(nodeA, { keyPrefix: 'bad{prefix}:' }), RangeError);
      await assert.rejects(makeLog(nodeA).open('conv_{x}', { lastSeq: 0 }), RangeError);
    });
  });
}

function recorder(): LogListener & { received: ConfabEvent[]; gaps: number } {
  const listener = {
    received: [] as ConfabEvent[],
    gaps: 0,
    events: (events: ConfabEvent[]) => void listener.received.push(...events),
    gap: () => void listener.gaps++,
  };
  return listener;
}

/** The real subscriber, with a switch that drops messages (as a lost connection would) or holds them back to release at once. */
function tapSubscriber(subscriber: RedisSubscriber): RedisSubscriber & { drop: boolean; hold: boolean; release(): void } {
  const held: (() => void)[] = [];
  const wrapped = new Map<RedisMessageListener, RedisMessageListener>();
  const tap = {
    drop: false,
    hold: false,
    release() {
      tap.hold = false;
      for (const deliver of held.splice(0)) deliver();
    },
    sSubscribe(channel: string, listener: RedisMessageListener) {
      const inner: RedisMessageListener = (message, from) => {
        if (tap.drop) return;
        if (tap.hold) held.push(() => listener(message, from));
        else listener(message, from);
      };
      wrapped.set(listener, inner);
      return subscriber.sSubscribe(channel, inner);
    },
    sUnsubscribe: (channel: string, listener?: RedisMessageListener) => subscriber.sUnsubscribe(channel, listener && wrapped.get(listener)),
    on: () => tap,
    off: () => tap,
  };
  return tap;
}

/** The real command client, counting the log's stream reads. */
function countReads(commands: RedisEventLogOptions['redis']): RedisEventLogOptions['redis'] & { reads: number } {
  const counter = {
    reads: 0,
    sendCommand<T>(args: ReadonlyArray<string>): Promise<T> {
      if (args[1] === readScript.sha || args[1] === readScript.source) counter.reads++;
      return commands.sendCommand<T>(args);
    },
  };
  return counter;
}

async function eventually(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 20_000) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
