import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connectTestRedis } from '../engine/redis/redis-test-connection.ts';
import { systemClock } from '../util/clock.ts';
import type { CatalogBusMessage } from './catalog-bus.ts';
import { CatalogFeed } from './catalog-feed.ts';
import { RedisCatalogBus } from './redis-catalog-bus.ts';

const redis = await connectTestRedis();
const skip = typeof redis === 'string' ? redis : false;

function waitFor(condition: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const check = () => (condition() ? resolve() : Date.now() > deadline ? reject(new Error('timed out')) : setTimeout(check, 10));
    check();
  });
}

describe('RedisCatalogBus', { skip }, () => {
  if (typeof redis === 'string') return;
  after(() => redis.close());

  it('carries messages from one node to another in order, and drops what is not a catalog message', async () => {
    const other = await redis.connectAgain();
    const publisher = new RedisCatalogBus({ redis: redis.commands, subscriber: redis.subscriber, keyPrefix: redis.prefix });
    const listener = new RedisCatalogBus({ redis: other.commands, subscriber: other.subscriber, keyPrefix: redis.prefix });
    const heard: CatalogBusMessage[] = [];
    await listener.subscribe({ message: (message) => heard.push(message), lost: () => assert.fail('nothing was lost') });
    const project = { name: 'p', path: '/tmp/p', createdAt: 1 };
    await publisher.publish({ type: 'project-created', at: 1, data: { project } });
    await redis.commands.sendCommand(['SPUBLISH', `${redis.prefix}catalog`, '{"type":"project-created","at":2,"data":{}}']);
    await redis.commands.sendCommand(['SPUBLISH', `${redis.prefix}catalog`, 'not json']);
    await publisher.publish({ type: 'run-phase', at: 3, data: { conversationId: 'c1', runId: 'r1', phase: 'running' } });
    await publisher.publish({ type: 'project-deleted', at: 4, data: { projectName: 'p' } });
    await waitFor(() => heard.length === 3);
    assert.deepEqual(heard, [
      { type: 'project-created', at: 1, data: { project } },
      { type: 'run-phase', at: 3, data: { conversationId: 'c1', runId: 'r1', phase: 'running' } },
      { type: 'project-deleted', at: 4, data: { projectName: 'p' } },
    ]);
    await listener.close();
    await publisher.close();
  });

  it('after its subscriber reconnects, the feed tells every watcher it may have missed changes', async () => {
    const other = await redis.connectAgain();
    const bus = new RedisCatalogBus({ redis: other.commands, subscriber: other.subscriber, keyPrefix: `${redis.prefix}lost:` });
    const feed = new CatalogFeed({ bus, clock: systemClock });
    const watcher = await feed.watch(undefined);
    assert.deepEqual(watcher.take().map((event) => event.data), [{ reason: 'no-cursor' }]);
    await bus.publish({ type: 'project-deleted', at: 1, data: { projectName: 'x' } });
    await waitFor(() => watcher.pending === 1);
    const [deleted] = watcher.take();
    await redis.cut(other.subscriber);
    await waitFor(() => watcher.pending === 1);
    assert.deepEqual(watcher.take().map((event) => [event.type, event.data]), [['catalog-reload', { reason: 'missed-changes' }]]);
    const resumed = await feed.watch(deleted!.cursor);
    assert.deepEqual(resumed.take().map((event) => event.data), [{ reason: 'missed-changes' }], 'a cursor from before the loss cannot be trusted either');
    await feed.close();
    await bus.close();
  });
});
