import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfabEvent } from '../events/definitions.ts';
import { Subscription } from './subscription.ts';

const event = (seq: number): ConfabEvent => ({ seq, cursor: `E.${seq}`, conversationId: 'c', runId: null, type: 'part-end', at: 0, data: { messageId: 'm', partId: 'p' } });
const snapshotAt = (seq: number): ConfabEvent => ({ seq, cursor: `E.${seq}`, conversationId: 'c', runId: null, type: 'snapshot', at: 0, data: { state: {} as never } });

function make(limit: number) {
  let head = 0;
  let closed = 0;
  const subscription = new Subscription({ conversationId: 'c', limit, source: { snapshot: () => snapshotAt(head), unsubscribed: () => closed++ } });
  const push = (seq: number) => {
    head = seq;
    subscription.push(event(seq));
  };
  return { subscription, push, closed: () => closed };
}

describe('Subscription', () => {
  it('delivers pushed events in order and notifies once per empty-to-ready transition', () => {
    const { subscription, push } = make(10);
    let notified = 0;
    subscription.onReadable = () => notified++;
    push(1);
    push(2);
    assert.equal(notified, 1);
    assert.deepEqual(subscription.take().map((e) => e.seq), [1, 2]);
    push(3);
    assert.equal(notified, 2);
  });

  it('holds at most `limit` events, then replaces them with one snapshot taken when read', () => {
    const { subscription, push } = make(3);
    for (let seq = 1; seq <= 10; seq++) push(seq);
    assert.equal(subscription.pending, 1);
    assert.equal(subscription.overflows, 1);
    const [snapshot] = subscription.take();
    assert.equal(snapshot.type, 'snapshot');
    assert.equal(snapshot.seq, 10, 'the snapshot covers everything dropped');
    push(11);
    assert.deepEqual(subscription.take().map((e) => e.seq), [11], 'live delivery resumes after the snapshot');
  });

  it('ends after delivering what was queued', async () => {
    const { subscription, push, closed } = make(10);
    push(1);
    subscription.end();
    push(2);
    const seen: number[] = [];
    for await (const next of subscription) seen.push(next.seq);
    assert.deepEqual(seen, [1]);
    assert.equal(closed(), 1);
    assert.equal(subscription.closed, true);
  });

  it('closing from an iterator loop stops delivery and reports the close once', async () => {
    const { subscription, push, closed } = make(10);
    push(1);
    push(2);
    for await (const next of subscription) if (next.seq === 1) break;
    assert.equal(subscription.closed, true);
    subscription.close();
    assert.equal(closed(), 1);
    push(3);
    assert.equal(subscription.pending, 0);
  });
});
