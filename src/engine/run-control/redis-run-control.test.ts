import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, afterEach, describe, it } from 'node:test';
import { createClient, type RedisClientType } from 'redis';
import { connectTestRedis } from '../redis/redis-test-connection.ts';
import { redisServerSkipReason, startRedisTestServer } from '../redis/redis-test-server.ts';
import { RedisRunControl } from './redis-run-control.ts';
import type { StopReason } from './run-control.ts';

/** RedisRunControl across instances ("nodes"): separate clients on one Redis. */
const redis = await connectTestRedis();
if (typeof redis === 'string') it('RedisRunControl across nodes', { skip: redis }, () => {});
else {
  after(() => redis.close());
  const nodeB = await redis.connectAgain();
  const controls: RedisRunControl[] = [];
  afterEach(() => controls.splice(0).forEach((control) => control.close()));
  const makeControl = (node: { commands: typeof redis.commands; subscriber: typeof redis.subscriber }) => {
    const control = new RedisRunControl({ redis: node.commands, subscriber: node.subscriber, keyPrefix: redis.prefix });
    controls.push(control);
    return control;
  };
  const runId = () => `run_${randomBytes(5).toString('hex')}`;

  describe('RedisRunControl across nodes', () => {
    it('a stop requested on node A reaches a watcher on node B, once, with the first reason', async () => {
      const [onA, onB] = [makeControl(redis), makeControl(nodeB)];
      const id = runId();
      const seen: StopReason[] = [];
      const watch = await onB.watch(id, (reason) => seen.push(reason));
      await onA.requestStop(id, { kind: 'delete' });
      await onA.requestStop(id, { kind: 'stop' });
      await eventually(() => seen.length > 0);
      assert.deepEqual(seen, [{ kind: 'delete' }]);
      watch.close();
      await onA.settle(id);
      assert.equal(await redis.commands.exists(`${redis.prefix}{${id}}:stop`), 0, 'settle forgets the request');
    });

    it('a stop requested while node B\'s subscriber is cut still reaches its watcher once it reconnects', async () => {
      const [onA, onB] = [makeControl(redis), makeControl(nodeB)];
      const id = runId();
      const seen: StopReason[] = [];
      await onB.watch(id, (reason) => seen.push(reason));
      const reconnected = new Promise<void>((resolve) => nodeB.subscriber.once('ready', () => resolve()));
      await redis.cut(nodeB.subscriber);
      await onA.requestStop(id, { kind: 'shutdown' });
      await reconnected;
      await eventually(() => seen.length > 0);
      assert.deepEqual(seen, [{ kind: 'shutdown' }]);
      await onA.settle(id);
    });

    it('a stored request that is not a stop reason is ignored', async () => {
      const control = makeControl(redis);
      const id = runId();
      await redis.commands.set(`${redis.prefix}{${id}}:stop`, '{"kind":"reboot"}');
      const seen: StopReason[] = [];
      await control.watch(id, (reason) => seen.push(reason));
      await control.requestStop(id, { kind: 'stop' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(seen, []);
      await control.settle(id);
    });

    it('measures stop delivery from node A to node B (reported, not asserted)', async (t) => {
      const [onA, onB] = [makeControl(redis), makeControl(nodeB)];
      const delays: number[] = [];
      for (let n = 0; n < 300; n++) {
        const id = runId();
        let resolveStop!: (at: number) => void;
        const stopped = new Promise<number>((resolve) => (resolveStop = resolve));
        const watch = await onB.watch(id, () => resolveStop(performance.now()));
        const requestedAt = performance.now();
        await onA.requestStop(id, { kind: 'stop' });
        delays.push((await stopped) - requestedAt);
        watch.close();
        await onA.settle(id);
      }
      delays.sort((a, b) => a - b);
      const at = (fraction: number) => delays[Math.min(delays.length - 1, Math.floor(fraction * delays.length))]!.toFixed(2);
      t.diagnostic(`stop A→B over ${delays.length} stops: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
      assert.equal(delays.length, 300);
    });
  });
}

describe('RedisRunControl across a Redis restart', { skip: redisServerSkipReason() }, () => {
  for (const [setting, persistence, survives] of [
    ['AOF everysec', ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'], true],
    ['no persistence', ['--save', '', '--appendonly', 'no'], false],
  ] as const) {
    it(`${setting}: a stop requested before Redis is killed ${survives ? 'still reaches a watch started after it restarts' : 'is lost with it'}`, async () => {
      const server = await startRedisTestServer([...persistence]);
      const clients: RedisClientType[] = [];
      try {
        const connect = async () => {
          const commands: RedisClientType = createClient({ url: server.url });
          commands.on('error', () => {});
          const subscriber = commands.duplicate();
          subscriber.on('error', () => {});
          clients.push(commands, subscriber);
          await Promise.all([commands.connect(), subscriber.connect()]);
          return new RedisRunControl({ redis: commands, subscriber });
        };
        await (await connect()).requestStop('run_restart', { kind: 'stop' });
        await server.stop('kill');
        await server.start();
        const seen: StopReason[] = [];
        const watch = await (await connect()).watch('run_restart', (reason) => seen.push(reason));
        assert.deepEqual(seen, survives ? [{ kind: 'stop' }] : []);
        watch.close();
      } finally {
        await Promise.allSettled(clients.map((client) => client.destroy()));
        await server.dispose();
      }
    });
  }
});

async function eventually(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 20_000) assert.fail('timed out waiting for the stop');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
