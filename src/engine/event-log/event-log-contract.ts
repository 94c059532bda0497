import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfabError } from '../../domain/errors.ts';
import type { ConfabEvent } from '../../events/definitions.ts';
import type { ConversationLog, EventDraft, EventLog, LogListener } from './event-log.ts';

/** What a contract run needs: a log factory whose logs hold at least `capacity` events. */
export type EventLogFactory = (options: { capacity: number }) => EventLog | Promise<EventLog>;

const draft = (n: number): EventDraft => ({ type: 'part-end', runId: 'run_1', data: { messageId: 'msg_1', partId: `part_${n}` } });
const drafts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => draft(from + index));
const seqs = (events: ConfabEvent[] | undefined) => events?.map((event) => event.seq);

/** A listener that records what it is given. */
function recorder(): LogListener & { seen: number[]; gaps: number } {
  const listener = {
    seen: [] as number[],
    gaps: 0,
    events(events: ConfabEvent[]) {
      listener.seen.push(...events.map((event) => event.seq));
    },
    gap() {
      listener.gaps++;
    },
  };
  return listener;
}

/**
 * The ConversationLog contract (see event-log.ts), run over one implementation. Every log under
 * test must pass it: the in-memory log today, a Redis log for scale-out.
 */
export function runEventLogContract(name: string, makeLog: EventLogFactory): void {
  const open = async (capacity: number, lastSeq = 0, conversationId = `conv_${Math.random().toString(36).slice(2)}`): Promise<ConversationLog> =>
    (await makeLog({ capacity })).open(conversationId, { lastSeq });

  describe(`ConversationLog contract: ${name}`, () => {
    it('assigns consecutive seqs after lastSeq to one append, in order, with cursors in its epoch', async () => {
      const log = await open(10, 41);
      const events = await log.append(drafts(1, 3));
      assert.deepEqual(events.map((event) => [event.seq, event.cursor]), [42, 43, 44].map((seq) => [seq, `${log.epoch}.${seq}`]));
      assert.deepEqual(events.map((event) => event.data), drafts(1, 3).map((one) => one.data));
      assert.equal(log.lastSeq, 44);
      assert.deepEqual(seqs(await log.append([draft(4)])), [45]);
      log.close();
    });

    it('concurrent appends never interleave and never repeat a seq', async () => {
      const log = await open(100);
      const batches = await Promise.all([1, 2, 3, 4].map((batch) => log.append(drafts(batch * 10, batch * 10 + 4))));
      const all = batches.flat().map((event) => event.seq).sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: 20 }, (_, index) => index + 1));
      for (const batch of batches) assert.deepEqual(seqs(batch), Array.from({ length: 5 }, (_, index) => batch[0]!.seq + index), 'a batch is contiguous');
      log.close();
    });

    it('reads exactly the events after a seq while they are held, and nothing once they are not', async () => {
      const log = await open(3);
      await log.append(drafts(1, 5));
      await log.checkpointed(5);
      assert.deepEqual(seqs(await log.read(2)), [3, 4, 5]);
      assert.deepEqual(seqs(await log.read(4)), [5]);
      assert.deepEqual(await log.read(5), []);
      assert.equal(await log.read(1), undefined, 'event 2 fell out of the window');
      assert.equal(await log.read(6), undefined, 'a seq from the future is not ours');
      log.close();
    });

    it('holds a window of at least its capacity, in order, across many appends', async () => {
      const log = await open(300, 7);
      for (let n = 1; n <= 1000; n += 50) await log.append(drafts(n, n + 49));
      const held = await log.read(1007 - 300);
      assert.deepEqual([held?.length, held?.[0]?.seq, held?.at(-1)?.seq], [300, 708, 1007]);
      assert.deepEqual(held!.map((event) => event.data), drafts(701, 1000).map((one) => one.data));
      log.close();
    });

    it('subscribe replays the held events after a seq, then delivers live ones, each once and in order', async () => {
      const log = await open(10);
      await log.append(drafts(1, 4));
      const listener = recorder();
      const subscription = await log.subscribe(2, listener);
      assert.deepEqual(listener.seen, [3, 4], 'replay');
      await log.append(drafts(5, 6));
      await log.append([draft(7)]);
      assert.deepEqual(listener.seen, [3, 4, 5, 6, 7]);
      subscription.close();
      await log.append([draft(8)]);
      assert.deepEqual(listener.seen, [3, 4, 5, 6, 7], 'nothing after close');
      assert.equal(listener.gaps, 0);
      log.close();
    });

    it('subscribe signals a gap when the events after the seq are gone, then delivers live events', async () => {
      const log = await open(3);
      await log.append(drafts(1, 6));
      await log.checkpointed(6);
      const listener = recorder();
      await log.subscribe(1, listener);
      assert.deepEqual([listener.gaps, listener.seen], [1, []]);
      await log.append([draft(7)]);
      assert.deepEqual(listener.seen, [7]);
      const future = recorder();
      await log.subscribe(99, future);
      assert.equal(future.gaps, 1, 'a seq the log never issued is a gap, never a wrong replay');
      const live = recorder();
      await log.subscribe(undefined, live);
      await log.append([draft(8)]);
      assert.deepEqual([live.gaps, live.seen], [0, [8]], 'no seq: live events only');
      log.close();
    });

    it('listeners are called in the order they subscribed', async () => {
      const log = await open(10);
      const order: string[] = [];
      await log.subscribe(0, { events: () => order.push('first'), gap: () => {} });
      await log.subscribe(0, { events: () => order.push('second'), gap: () => {} });
      await log.append([draft(1)]);
      assert.deepEqual(order, ['first', 'second']);
      log.close();
    });

    it('refuses an append under a stale fence, appending nothing; the current claim writes', async () => {
      const log = await open(10);
      await log.claim({ runId: 'run_1', attempt: 1 });
      assert.deepEqual(seqs(await log.append([draft(1)], { runId: 'run_1', attempt: 1 })), [1]);
      await log.claim({ runId: 'run_1', attempt: 2 });
      await assert.rejects(log.append([draft(2)], { runId: 'run_1', attempt: 1 }), (error) => ConfabError.is(error, 'stale_fence'));
      await assert.rejects(log.append([draft(2)], { runId: 'run_9', attempt: 1 }), (error) => ConfabError.is(error, 'stale_fence'), 'an unclaimed run may not write');
      assert.equal(log.lastSeq, 1);
      assert.deepEqual(seqs(await log.read(0)), [1]);
      assert.deepEqual(seqs(await log.append([draft(2)], { runId: 'run_1', attempt: 2 })), [2]);
      await assert.rejects(log.claim({ runId: 'run_1', attempt: 1 }), (error) => ConfabError.is(error, 'stale_fence'), 'a claim cannot go back');
      assert.deepEqual(seqs(await log.append([draft(3)])), [3], 'unfenced appends (commands) are not affected');
      log.close();
    });

    it('two opens of a conversation share an epoch only when they share its history', async () => {
      const eventLog = await makeLog({ capacity: 10 });
      const conversationId = `conv_${Math.random().toString(36).slice(2)}`;
      const first = await eventLog.open(conversationId, { lastSeq: 0 });
      await first.append(drafts(1, 3));
      const second = await eventLog.open(conversationId, { lastSeq: 0 });
      if (second.epoch === first.epoch) {
        assert.equal(second.lastSeq, 3);
        assert.deepEqual((await second.read(0))?.map((event) => [event.seq, event.cursor, event.data]), (await first.read(0))?.map((event) => [event.seq, event.cursor, event.data]));
        assert.deepEqual(seqs(await second.append([draft(4)])), [4], 'one history, one sequence');
      } else assert.deepEqual([second.lastSeq, await second.read(0)], [0, []], 'a history of its own');
      first.close();
      second.close();
    });

    it('records ahead of the log start a new epoch at the records; a durable log reopened at its records keeps its epoch', async () => {
      const eventLog = await makeLog({ capacity: 10 });
      const conversationId = `conv_${Math.random().toString(36).slice(2)}`;
      const first = await eventLog.open(conversationId, { lastSeq: 0 });
      await first.append(drafts(1, 3));
      first.close();
      if (first.durable) {
        const again = await eventLog.open(conversationId, { lastSeq: 3 });
        assert.deepEqual([again.epoch, again.lastSeq], [first.epoch, 3], 'a durable log keeps its epoch');
        again.close();
      }
      const ahead = await eventLog.open(conversationId, { lastSeq: 7 });
      assert.notEqual(ahead.epoch, first.epoch, 'records ahead of the log: what a cursor saw cannot be told apart');
      assert.equal(ahead.lastSeq, 7);
      ahead.close();
    });

    it('a durable log reopened after its records replays the events past them and keeps its cursors', async () => {
      const eventLog = await makeLog({ capacity: 3 });
      const conversationId = `conv_${Math.random().toString(36).slice(2)}`;
      const first = await eventLog.open(conversationId, { lastSeq: 0 });
      if (!first.durable) return first.close();
      await first.append(drafts(1, 6));
      first.close();
      const second = await eventLog.open(conversationId, { lastSeq: 2 });
      assert.deepEqual([second.epoch, second.lastSeq], [first.epoch, 6]);
      const fold = recorder();
      await second.subscribe(2, fold);
      assert.deepEqual([fold.gaps, fold.seen], [0, [3, 4, 5, 6]], 'the events after the records, for the fold, whatever the capacity');
      assert.deepEqual(seqs(await second.read(0)), [1, 2, 3, 4, 5, 6], 'nothing the records do not cover is dropped… ');
      assert.equal(second.checkpointDue, false);
      await second.checkpointed(2);
      assert.deepEqual(seqs(await second.read(2)), [3, 4, 5, 6], 'then only what the records cover…');
      assert.equal(await second.read(1), undefined);
      await second.checkpointed(6);
      assert.deepEqual(seqs(await second.read(3)), [4, 5, 6], '…and only as the retention (3 events here) allows');
      assert.equal(await second.read(2), undefined);
      const events = await second.append([draft(7)]);
      assert.equal(events[0]!.cursor, `${first.epoch}.7`);
      second.close();
    });
  });
}
