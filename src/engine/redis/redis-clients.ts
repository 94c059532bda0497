import { createHash } from 'node:crypto';

/**
 * The slices of a Redis client that the Redis seams use, Kysely-style: the caller creates, owns and
 * closes the clients (a node-redis `createClient()` and its `duplicate()` fit as they are) and
 * injects them. Commands go on one connection; sharded pub/sub (SSUBSCRIBE, Redis 7+) needs its
 * own, because a RESP2 connection in subscribe mode takes no other commands.
 */
export type RedisCommands = {
  sendCommand<T = unknown>(args: ReadonlyArray<string>): Promise<T>;
};

export type RedisMessageListener = (message: string, channel: string) => unknown;

export type RedisSubscriber = {
  sSubscribe(channel: string, listener: RedisMessageListener): Promise<void>;
  sUnsubscribe(channel: string, listener?: RedisMessageListener): Promise<void>;
  /** `ready` fires after every (re)connect, once the client has subscribed its channels again. */
  on(event: 'ready', listener: () => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
};

/** A Lua script run by EVALSHA, loaded with EVAL the first time a server does not know it. */
export class RedisScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run<T>(redis: RedisCommands, keys: string[], args: string[]): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await redis.sendCommand<T>(['EVALSHA', this.sha, ...tail]);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return redis.sendCommand<T>(['EVAL', this.source, ...tail]);
    }
  }
}

/**
 * Keys share the `{hashTag}` so a conversation's keys (or a run's) and its shard channel sit in one
 * Redis Cluster slot, as a script that touches them all requires.
 */
export function taggedKey(prefix: string, hashTag: string, role: string): string {
  if (/[{}]/.test(hashTag)) throw new RangeError(`a Redis hash tag cannot contain braces: ${hashTag}`);
  return `${prefix}{${hashTag}}:${role}`;
}

/** A key prefix must not contain braces: they would move the hash tag. */
export function checkPrefix(prefix: string): string {
  if (/[{}]/.test(prefix)) throw new RangeError(`a Redis key prefix cannot contain braces: ${prefix}`);
  return prefix;
}
