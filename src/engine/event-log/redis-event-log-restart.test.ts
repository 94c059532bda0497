import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient, type RedisClientType } from 'redis';
import type { ConfabEvent } from '../../events/definitions.ts';
import { InstantClock } from '../../util/clock.ts';
import { redisServerSkipReason, startRedisTestServer, type RedisTestServer } from '../redis/redis-test-server.ts';
import { LogLostError, type ConversationLog, type EventDraft } from './event-log.ts';
import { RedisEventLog } from './redis-event-log.ts';

/**
 * What a node and its clients see when Redis restarts, by persistence setting, against a private
 * redis-server: never a replay of a history other than the one a cursor saw.
 */
const skip = redisServerSkipReason();
const draft = (n: number): EventDraft => ({ type: 'part-end', runId: 'run_1', data: { messageId: 'msg_1', partId: `part_${n}` } });
const drafts = (from: number, count: number) => Array.from({ length: count }, (_, index) => draft(from + index));

async function node(server: RedisTestServer) {
  const commands: RedisClientType = createClient({ url: server.url, socket: { reconnectStrategy: (retries) => (retries > 200 ? false : 50) } });
  commands.on('error', () => {});
  await commands.connect();
  const subscriber = commands.duplicate();
  subscriber.on('error', () => {});
  await subscriber.connect();
  const eventLog = new RedisEventLog({ redis: commands, subscriber, clock: new InstantClock(), capacity: 100, newEpoch: () => randomBytes(6).toString('base64url') });
  return {
    eventLog,
    async close() {
      eventLog.close();
      await Promise.allSettled([commands.destroy(), subscriber.destroy()]);
    },
  };
}

function watcher() {
  const seen = { events: [] as ConfabEvent[], gaps: 0 };
  return { seen, listener: { events: (events: ConfabEvent[]) => void seen.events.push(...events), gap: () => void seen.gaps++ } };
}

async function eventually(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 20_000) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Appends until Redis answers again (the client queues while it reconnects; a refusal is final). */
async function appendAfterRestart(log: ConversationLog, drafts: EventDraft[]): Promise<ConfabEvent[] | LogLostError> {
  return log.append(drafts).catch((error: unknown) => {
    if (LogLostError.is(error)) return error;
    throw error;
  });
}

describe('RedisEventLog across a Redis restart', { skip }, () => {
  it('no persistence: the log is gone, the open log refuses appends and signals a gap, a reopen has a new epoch', async () => {
    const server = await startRedisTestServer(['--save', '', '--appendonly', 'no']);
    const writer = await node(server);
    try {
      const log = await writer.eventLog.open('conv_restart', { lastSeq: 0 });
      await log.append(drafts(1, 5));
      const { seen, listener } = watcher();
      await log.subscribe(5, listener);
      await server.stop('kill');
      await server.start();
      await eventually(() => seen.gaps === 1, 'the open log notices, on reconnect, that its history is gone');
      assert.ok((await appendAfterRestart(log, [draft(6)])) instanceof LogLostError);
      const reopened = await writer.eventLog.open('conv_restart', { lastSeq: 3 });
      assert.notEqual(reopened.epoch, log.epoch, 'cursors of the old epoch get a snapshot');
      assert.deepEqual([reopened.lastSeq, await reopened.read(0)], [3, undefined]);
    } finally {
      await writer.close();
      await server.dispose();
    }
  });

  it('AOF everysec, clean restart: the same epoch goes on, a cursor replays exactly, appends continue its seqs', async () => {
    const server = await startRedisTestServer(['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec']);
    const writer = await node(server);
    try {
      const log = await writer.eventLog.open('conv_restart', { lastSeq: 0 });
      const before = await log.append(drafts(1, 5));
      const { seen, listener } = watcher();
      await log.subscribe(5, listener);
      await server.stop('clean');
      await server.start();
      const after = await appendAfterRestart(log, [draft(6)]);
      assert.deepEqual(after instanceof LogLostError ? after : after.map((event) => event.cursor), [`${log.epoch}.6`]);
      await eventually(() => seen.events.length === 1, 'the watcher gets the next event');
      assert.deepEqual([seen.gaps, seen.events.map((event) => event.seq)], [0, [6]]);
      const other = await node(server);
      const reopened = await other.eventLog.open('conv_restart', { lastSeq: 0 });
      assert.equal(reopened.epoch, log.epoch);
      assert.deepEqual((await reopened.read(2))?.map((event) => event.data), [...before.slice(2), ...(after as ConfabEvent[])].map((event) => event.data));
      await other.close();
    } finally {
      await writer.close();
      await server.dispose();
    }
  });

  it('AOF always, Redis SIGKILLed while appends stream without waiting: each append lands once, in the order made, and nothing acknowledged is lost', async () => {
    const server = await startRedisTestServer(['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']);
    const writer = await node(server);
    try {
      const log = await writer.eventLog.open('conv_stream', { lastSeq: 0 });
      const { seen, listener } = watcher();
      await log.subscribe(0, listener);
      const appends: Promise<ConfabEvent[]>[] = [];
      let killed: Promise<void> | undefined;
      for (let n = 1; n <= 300; n++) {
        appends.push(log.append([draft(n)]));
        if (n === 100) killed = server.stop('kill').then(() => server.start());
        if (n % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await killed;
      const results = await Promise.all(appends);
      assert.deepEqual(results.map(([event]) => event!.seq), drafts(1, 300).map((_, index) => index + 1), 'seqs in the order the appends were made');
      const reader = await node(server);
      const reopened = await reader.eventLog.open('conv_stream', { lastSeq: 0 });
      assert.equal(reopened.epoch, log.epoch, 'the same history');
      assert.deepEqual((await reopened.read(200))?.map((event) => event.data), drafts(201, 100).map((one) => one.data));
      await eventually(() => seen.events.length === 300, 'the watcher to catch up');
      assert.deepEqual(seen.events.map((event) => event.data), drafts(1, 300).map((one) => one.data), 'the watcher: each event once, in order');
      await reader.close();
    } finally {
      await writer.close();
      await server.dispose();
    }
  });

  it('AOF everysec, crash: either the history survived whole, or it came back short and its epoch ends; never a wrong replay', async (t) => {
    const server = await startRedisTestServer(['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec']);
    const writer = await node(server);
    try {
      const log = await writer.eventLog.open('conv_crash', { lastSeq: 0 });
      for (let n = 1; n <= 200; n += 10) await log.append(drafts(n, 10));
      await server.stop('kill');
      await server.start();
      const after = await appendAfterRestart(log, [draft(201)]);
      const reopened = await writer.eventLog.open('conv_crash', { lastSeq: 0 });
      if (after instanceof LogLostError) {
        t.diagnostic('the crash lost the AOF tail: the epoch ended');
        assert.notEqual(reopened.epoch, log.epoch);
      } else {
        t.diagnostic('the AOF held every append');
        assert.deepEqual(after.map((event) => event.seq), [201]);
        assert.equal(reopened.epoch, log.epoch);
        assert.deepEqual((await reopened.read(150))?.map((event) => event.data), drafts(151, 51).map((one) => one.data));
      }
    } finally {
      await writer.close();
      await server.dispose();
    }
  });
});
