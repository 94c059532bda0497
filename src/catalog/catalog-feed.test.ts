import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryCatalogBus } from './catalog-bus.ts';
import { CatalogFeed } from './catalog-feed.ts';
import { SessionStatusTracker } from './session-status.ts';
import { systemClock } from '../util/clock.ts';

const clock = { ...systemClock, now: () => 1_000 };
const deleted = (projectName: string) => ({ type: 'project-deleted' as const, at: 1, data: { projectName } });

async function feedWith(limits: { backlog?: number; watcherBuffer?: number } = {}) {
  const bus = new MemoryCatalogBus();
  const feed = new CatalogFeed({ bus, clock, limits, epoch: 'e1' });
  await feed.start();
  return { bus, feed };
}

describe('CatalogFeed', () => {
  it('numbers changes from 1 and replays those after a cursor', async () => {
    const { bus, feed } = await feedWith();
    const watcher = await feed.watch(undefined);
    assert.deepEqual(watcher.take(), [{ feed: 'catalog', seq: 0, cursor: 'e1.0', type: 'catalog-reload', at: 1_000, data: { reason: 'no-cursor' } }]);
    for (const name of ['a', 'b', 'c']) await bus.publish(deleted(name));
    assert.deepEqual(watcher.take().map((event) => [event.seq, event.cursor]), [[1, 'e1.1'], [2, 'e1.2'], [3, 'e1.3']]);
    const resumed = await feed.watch('e1.1');
    assert.deepEqual(resumed.take().map((event) => (event.data as { projectName: string }).projectName), ['b', 'c']);
  });

  it('keeps only `backlog` events: an older cursor reloads, one inside the window replays', async () => {
    const { bus, feed } = await feedWith({ backlog: 2 });
    for (const name of ['a', 'b', 'c', 'd']) await bus.publish(deleted(name));
    assert.deepEqual((await feed.watch('e1.1')).take().map((event) => [event.type, event.seq, event.data]), [['catalog-reload', 4, { reason: 'too-old' }]]);
    assert.deepEqual((await feed.watch('e1.2')).take().map((event) => event.seq), [3, 4]);
    assert.deepEqual((await feed.watch('e1.9')).take().map((event) => event.data), [{ reason: 'other-epoch' }], 'a cursor past the feed');
  });

  it('folds changes made before a pending reload is read into it: the reload is current as of its seq', async () => {
    const { bus, feed } = await feedWith();
    const watcher = await feed.watch(undefined);
    await bus.publish(deleted('a'));
    assert.deepEqual(watcher.take().map((event) => [event.type, event.seq]), [['catalog-reload', 1]]);
  });

  it('tells a watcher more than `watcherBuffer` events behind to reload, once, at the seq when it reads', async () => {
    const { bus, feed } = await feedWith({ watcherBuffer: 2 });
    const watcher = await feed.watch('e1.0');
    for (const name of ['a', 'b', 'c', 'd']) await bus.publish(deleted(name));
    assert.equal(watcher.pending, 1);
    assert.equal(watcher.overflows, 1);
    assert.deepEqual(watcher.take().map((event) => [event.type, event.seq, event.data]), [['catalog-reload', 4, { reason: 'fell-behind' }]]);
    await bus.publish(deleted('e'));
    assert.deepEqual(watcher.take().map((event) => event.seq), [5]);
    for (const name of ['f', 'g', 'h']) await bus.publish(deleted(name));
    assert.deepEqual((await feed.watch('e1.4')).take().map((event) => event.data), [{ reason: 'fell-behind' }], 'a replay longer than the buffer');
  });

  it('folds run phases from any node into one status per conversation', async () => {
    const { bus, feed } = await feedWith();
    const watcher = await feed.watch('e1.0');
    const phase = (runId: string, value: 'queued' | 'running' | 'requires-action' | 'ended') => bus.publish({ type: 'run-phase', at: 1, data: { conversationId: 'c', runId, phase: value } });
    await phase('r1', 'queued');
    await phase('r1', 'running');
    await phase('r2', 'queued');
    await phase('r1', 'ended');
    await phase('r2', 'running');
    await phase('r2', 'requires-action');
    await phase('r2', 'ended');
    assert.deepEqual(
      watcher.take().map((event) => (event.type === 'session-status' ? `${event.data.runId}:${event.data.status}` : event.type)),
      ['r1:queued', 'r1:running', 'r2:running', 'r1:queued', 'r2:running', 'r2:waiting-for-approval', 'r2:idle'],
    );
  });

  it('tracks at most `limit` conversations with unfinished runs', () => {
    const tracker = new SessionStatusTracker(2);
    tracker.apply('c1', 'r', 'running');
    tracker.apply('c2', 'r', 'running');
    tracker.apply('c3', 'r', 'running');
    assert.equal(tracker.size, 2);
    assert.equal(tracker.statusOf('c1'), 'idle', 'the oldest was forgotten');
    assert.equal(tracker.statusOf('c3'), 'running');
    tracker.apply('c3', 'r', 'ended');
    assert.equal(tracker.size, 1);
  });

  it('tries the bus again on the next watch when it could not be reached', async () => {
    const bus = new MemoryCatalogBus();
    let refusals = 1;
    const flaky = {
      publish: bus.publish.bind(bus),
      subscribe: (listener: Parameters<MemoryCatalogBus['subscribe']>[0]) => (refusals-- > 0 ? Promise.reject(new Error('bus down')) : bus.subscribe(listener)),
    };
    const feed = new CatalogFeed({ bus: flaky, clock, epoch: 'e1' });
    await assert.rejects(feed.watch(undefined), /bus down/);
    const watcher = await feed.watch(undefined);
    assert.deepEqual(watcher.take().map((event) => event.type), ['catalog-reload']);
    await bus.publish(deleted('a'));
    assert.deepEqual(watcher.take().map((event) => event.type), ['project-deleted']);
  });

  it('ends its watchers when closed, and they hear nothing more', async () => {
    const { bus, feed } = await feedWith();
    const watcher = await feed.watch('e1.0');
    await feed.close();
    assert.equal(watcher.closed, true);
    await bus.publish(deleted('a'));
    assert.deepEqual(watcher.take(), []);
    assert.equal(feed.watchers, 0);
  });
});
