import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfabClientError } from '../../../../src/client/index.ts';
import type { OutboxView } from '../shared/messages.ts';
import { Outbox, OutboxFullError } from './outbox.ts';

/** A deliver function the test answers by hand, one call at a time. */
function scriptedDelivery() {
  const calls: { entry: OutboxView; resolve(): void; reject(error: unknown): void }[] = [];
  const waiters: (() => void)[] = [];
  return {
    calls,
    deliver: (entry: OutboxView) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ entry, resolve, reject });
        waiters.splice(0).forEach((wake) => wake());
      }),
    async nextCall(count: number) {
      while (calls.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return calls[count - 1];
    },
  };
}

function makeOutbox(delivery: ReturnType<typeof scriptedDelivery>, maxEntries?: number) {
  let ids = 0;
  let changes = 0;
  const outbox = new Outbox({
    deliver: delivery.deliver,
    newRequestId: () => `req-${++ids}`,
    onChange: () => void changes++,
    describe: (error) => (error as Error).message,
    maxEntries,
  });
  return { outbox, changes: () => changes };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const states = (outbox: Outbox) => outbox.entries.map((entry) => `${entry.clientRequestId}:${entry.state}`);

describe('outbox', () => {
  test('an acknowledged send leaves the outbox', async () => {
    const delivery = scriptedDelivery();
    const { outbox } = makeOutbox(delivery);
    outbox.submit('hello', [{ path: 'a.ts', content: 'x' }]);
    assert.deepEqual(states(outbox), ['req-1:sending']);
    const call = await delivery.nextCall(1);
    assert.deepEqual(call.entry.context, [{ path: 'a.ts', content: 'x' }]);
    call.resolve();
    await settle();
    assert.deepEqual(states(outbox), []);
  });

  test('a network failure waits for the connection and is sent again under the same id, once, in order with later sends', async () => {
    const delivery = scriptedDelivery();
    const { outbox } = makeOutbox(delivery);
    outbox.submit('first', []);
    (await delivery.nextCall(1)).reject(new ConfabClientError('network', 'down'));
    await settle();
    assert.deepEqual(states(outbox), ['req-1:waiting']);
    assert.equal(outbox.entries[0].error, 'down');

    outbox.submit('second', []); // behind a waiting one: waits too, nothing overtakes
    await settle();
    assert.deepEqual(states(outbox), ['req-1:waiting', 'req-2:waiting']);
    assert.equal(delivery.calls.length, 1);

    outbox.connectionOpened();
    const again = await delivery.nextCall(2);
    assert.equal(again.entry.clientRequestId, 'req-1');
    assert.equal(delivery.calls.length, 2, 'one at a time');
    again.resolve();
    const second = await delivery.nextCall(3);
    assert.equal(second.entry.clientRequestId, 'req-2');
    second.resolve();
    await settle();
    assert.deepEqual(states(outbox), []);
    assert.deepEqual(delivery.calls.map((call) => call.entry.clientRequestId), ['req-1', 'req-1', 'req-2']);
  });

  test('a refusal from the server is final: failed with its message, not retried on reconnect; retry sends it again', async () => {
    const delivery = scriptedDelivery();
    const { outbox } = makeOutbox(delivery);
    outbox.submit('too big', []);
    (await delivery.nextCall(1)).reject(new ConfabClientError('payload_too_large', 'The message is too large.'));
    await settle();
    assert.deepEqual(states(outbox), ['req-1:failed']);
    assert.equal(outbox.entries[0].error, 'The message is too large.');
    outbox.connectionOpened();
    await settle();
    assert.equal(delivery.calls.length, 1);
    outbox.retry('req-1');
    (await delivery.nextCall(2)).resolve();
    await settle();
    assert.deepEqual(states(outbox), []);
  });

  test('waiting and failed entries can be discarded, one in flight cannot', async () => {
    const delivery = scriptedDelivery();
    const { outbox } = makeOutbox(delivery);
    outbox.submit('a', []);
    outbox.discard('req-1');
    assert.deepEqual(states(outbox), ['req-1:sending']);
    (await delivery.nextCall(1)).reject(new ConfabClientError('timeout', 'slow'));
    await settle();
    outbox.discard('req-1');
    assert.deepEqual(states(outbox), []);
  });

  test('at most maxEntries wait; one more is refused and nothing is added', async () => {
    const delivery = scriptedDelivery();
    const { outbox } = makeOutbox(delivery, 2);
    outbox.submit('a', []);
    outbox.submit('b', []);
    assert.throws(() => outbox.submit('c', []), OutboxFullError);
    assert.deepEqual(states(outbox), ['req-1:sending', 'req-2:sending']);
  });
});
