/**
 * Real Redis for the Redis seams' tests: `CONFAB_TEST_REDIS_URL`, else 127.0.0.1:6379 (`.ci/run`
 * starts it). Each connection gets its own key prefix, and `close()` deletes every key under it.
 * Redis unreachable: the tests are skipped with the reason, unless CI is set (then they fail).
 *
 *   const redis = await connectTestRedis();
 *   if (typeof redis === 'string') it('…', { skip: redis }, () => {});
 *   else { …new RedisEventLog({ redis: redis.commands, subscriber: redis.subscriber, keyPrefix: redis.prefix, … }) }
 *   after(() => redis.close());
 */
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';

export const testRedisUrl = process.env.CONFAB_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type TestRedis = {
  url: string;
  /** Unique to this connection; ends with a colon. */
  prefix: string;
  commands: RedisClientType;
  subscriber: RedisClientType;
  /** Another pair of clients on the same server (a second "node"), closed with this one. */
  connectAgain(): Promise<{ commands: RedisClientType; subscriber: RedisClientType }>;
  /** Drops a client's connection on the server side (CLIENT KILL), as a network cut would. */
  cut(client: RedisClientType): Promise<void>;
  /** Deletes this prefix's keys (Redis "lost its data", for these tests only). */
  deleteKeys(): Promise<number>;
  close(): Promise<void>;
};

/** Connected clients, or why the Redis tests are skipped. */
export async function connectTestRedis(): Promise<TestRedis | string> {
  const prefix = `confab-test:${process.pid}-${randomBytes(4).toString('hex')}:`;
  const opened: RedisClientType[] = [];
  const connect = async () => {
    const commands: RedisClientType = createClient({ url: testRedisUrl, socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => (retries > 20 ? false : 50) } });
    commands.on('error', () => {});
    opened.push(commands);
    await commands.connect();
    const subscriber = commands.duplicate({ name: `${prefix.slice(0, -1)}-${opened.length}` });
    subscriber.on('error', () => {});
    opened.push(subscriber);
    await subscriber.connect();
    return { commands, subscriber };
  };
  let first: { commands: RedisClientType; subscriber: RedisClientType };
  try {
    first = await connect();
  } catch (error) {
    await Promise.allSettled(opened.map((client) => client.destroy()));
    const reason = `no Redis at ${testRedisUrl} (${(error as Error).message}): start one (redis-server) or set CONFAB_TEST_REDIS_URL to run the Redis tests`;
    if (process.env.CI) throw new Error(`CI is set and ${reason}.`);
    return reason;
  }
  const deleteKeys = async () => {
    let deleted = 0;
    for await (const keys of first.commands.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) deleted += await first.commands.unlink(keys);
    }
    return deleted;
  };
  return {
    url: testRedisUrl,
    prefix,
    ...first,
    connectAgain: connect,
    deleteKeys,
    async cut(client) {
      const name = client.options?.name;
      const list = await first.commands.sendCommand<string>(['CLIENT', 'LIST']);
      const id = list.split('\n').find((line) => name && line.includes(` name=${name} `))?.match(/^id=(\d+)/)?.[1];
      if (!id) throw new Error(`no connection named ${name} on the server`);
      await first.commands.sendCommand(['CLIENT', 'KILL', 'ID', id]);
    },
    async close() {
      await deleteKeys();
      await Promise.allSettled(opened.map((client) => client.close()));
    },
  };
}
