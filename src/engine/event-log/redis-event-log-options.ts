import type { Clock } from '../../util/clock.ts';
import { silentLogger, type Logger } from '../../util/logger.ts';
import { checkPrefix, type RedisCommands, type RedisSubscriber } from '../redis/redis-clients.ts';

export type RedisEventLogOptions = {
  /** A connection for commands and scripts. */
  redis: RedisCommands;
  /** A second connection of the same server, for sharded pub/sub. */
  subscriber: RedisSubscriber;
  clock: Clock;
  /** Events each conversation's log holds for replay (its stream keeps at least this many). */
  capacity: number;
  newEpoch: () => string;
  /** Prefix of every key and channel (no braces). Default `confab:`. */
  keyPrefix?: string;
  /** A conversation's keys expire this long after its last write. Default one day. */
  idleTtlMs?: number;
  /** Runs whose claims a conversation keeps; an older run's fence is refused. Default 1000. */
  maxClaims?: number;
  /** Live batches a log may hold while it waits on Redis to fill a gap; past it, it re-reads. Default 1000. */
  maxQueuedBatches?: number;
  logger?: Logger;
};

export type Settings = Required<Omit<RedisEventLogOptions, 'capacity'>> & { capacity: number };

/** The options with their defaults filled in. */
export function settingsOf(options: RedisEventLogOptions): Settings {
  return {
    keyPrefix: checkPrefix(options.keyPrefix ?? 'confab:'),
    idleTtlMs: options.idleTtlMs ?? 86_400_000,
    maxClaims: options.maxClaims ?? 1000,
    maxQueuedBatches: options.maxQueuedBatches ?? 1000,
    logger: options.logger ?? silentLogger,
    ...withoutUndefined(options),
  } as Settings;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
