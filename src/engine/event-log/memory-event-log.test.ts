import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstantClock } from '../../util/clock.ts';
import { MemoryEventLog } from './memory-event-log.ts';

const draft = (n: number) => ({ type: 'part-end' as const, runId: 'run_1', data: { messageId: 'msg_1', partId: `part_${n}` } });

describe('MemoryEventLog', () => {
  it('assigns consecutive seqs after lastSeq, with cursors in its epoch', () => {
    const log = new MemoryEventLog({ clock: new InstantClock(), capacity: 4, newEpoch: () => 'E1' }).open('conv_1', { lastSeq: 41 });
    const events = [1, 2, 3].map((n) => log.append(draft(n)));
    assert.deepEqual(events.map((event) => [event.seq, event.cursor]), [[42, 'E1.42'], [43, 'E1.43'], [44, 'E1.44']]);
    assert.equal(log.lastSeq, 44);
  });

  it('replays exactly the events after a seq while they are held, and nothing once they are not', () => {
    const log = new MemoryEventLog({ clock: new InstantClock(), capacity: 3, newEpoch: () => 'E' }).open('conv_1', { lastSeq: 0 });
    for (let n = 1; n <= 5; n++) log.append(draft(n));
    assert.deepEqual(log.readAfter(2)!.map((event) => event.seq), [3, 4, 5]);
    assert.deepEqual(log.readAfter(4)!.map((event) => event.seq), [5]);
    assert.deepEqual(log.readAfter(5), []);
    assert.equal(log.readAfter(1), undefined, 'event 2 fell out of the window');
    assert.equal(log.readAfter(6), undefined, 'a seq from the future is not ours');
  });

  it('grows its ring past the first 64 events without losing or reordering any, up to capacity', () => {
    const log = new MemoryEventLog({ clock: new InstantClock(), capacity: 300, newEpoch: () => 'E' }).open('conv_1', { lastSeq: 7 });
    for (let n = 1; n <= 250; n++) log.append(draft(n));
    assert.deepEqual(log.readAfter(7)!.map((event) => event.data), Array.from({ length: 250 }, (_, i) => draft(i + 1).data), 'all 250, in order, through three doublings');
    for (let n = 251; n <= 1000; n++) log.append(draft(n));
    const held = log.readAfter(1007 - 300)!;
    assert.deepEqual([held.length, held[0].seq, held.at(-1)!.seq], [300, 708, 1007], 'then a window of exactly capacity');
    assert.deepEqual(held.map((event) => event.data), Array.from({ length: 300 }, (_, i) => draft(701 + i).data));
    assert.equal(log.readAfter(1007 - 301), undefined);
  });

  it('gives every open a new epoch', () => {
    let n = 0;
    const eventLog = new MemoryEventLog({ clock: new InstantClock(), capacity: 3, newEpoch: () => `E${++n}` });
    assert.notEqual(eventLog.open('c', { lastSeq: 0 }).epoch, eventLog.open('c', { lastSeq: 0 }).epoch);
  });

  it('refuses a capacity below one', () => {
    assert.throws(() => new MemoryEventLog({ clock: new InstantClock(), capacity: 0, newEpoch: () => 'E' }), RangeError);
  });
});
