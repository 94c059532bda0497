import { silentLogger, type Logger } from '../../util/logger.ts';
import { checkPrefix, RedisScript, taggedKey, type RedisCommands, type RedisSubscriber } from '../redis/redis-clients.ts';
import type { RunControl, RunWatch, StopReason } from './run-control.ts';

export type RedisRunControlOptions = {
  /** A connection for commands and scripts. */
  redis: RedisCommands;
  /** A second connection of the same server, for sharded pub/sub. */
  subscriber: RedisSubscriber;
  /** Prefix of every key and channel (no braces). Default `confab:`. */
  keyPrefix?: string;
  /** A stop request expires this long after it was made: set it to the longest run allowed. Default one day. */
  requestTtlMs?: number;
  logger?: Logger;
};

/**
 * KEYS stop, signal; ARGV reason, ttlMs. Records the request unless one is recorded (the first
 * wins), then publishes the recorded one, so every watcher hears the same reason.
 */
const requestStopScript = new RedisScript(`
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
redis.call('SPUBLISH', KEYS[2], redis.call('GET', KEYS[1]))
return 1
`);

const reasonKinds = new Set<string>(['stop', 'delete', 'shutdown'] satisfies StopReason['kind'][]);

/**
 * Run control across nodes: a stop request is a key per run (with a TTL), written before
 * `requestStop` resolves, and a publish on the run's shard channel for the prompt signal. A watch
 * subscribes first, then reads the key, so a stop made before or during the watch's start is
 * never missed; after the subscriber reconnects (publishes may have been lost meanwhile) every
 * open watch reads its key again. Keys and channel share the `{runId}` hash tag.
 */
export class RedisRunControl implements RunControl {
  readonly #redis: RedisCommands;
  readonly #subscriber: RedisSubscriber;
  readonly #prefix: string;
  readonly #requestTtlMs: number;
  readonly #logger: Logger;
  /** Open watches, re-checked after a reconnect: bounded by the runs this node executes. */
  readonly #watches = new Set<{ runId: string; notify: (text: string) => void }>();
  readonly #onReady = () => {
    for (const watch of this.#watches) this.#check(watch.runId, watch.notify);
  };

  constructor(options: RedisRunControlOptions) {
    this.#redis = options.redis;
    this.#subscriber = options.subscriber;
    this.#prefix = checkPrefix(options.keyPrefix ?? 'confab:');
    this.#requestTtlMs = options.requestTtlMs ?? 86_400_000;
    this.#logger = options.logger ?? silentLogger;
    this.#subscriber.on('ready', this.#onReady);
  }

  async requestStop(runId: string, reason: StopReason): Promise<void> {
    await requestStopScript.run(this.#redis, [this.#key(runId), this.#channel(runId)], [JSON.stringify(reason), String(this.#requestTtlMs)]);
  }

  async watch(runId: string, onStop: (reason: StopReason) => void): Promise<RunWatch> {
    let done = false;
    const notify = (text: string) => {
      const reason = this.#parse(text);
      if (done || !reason) return;
      done = true;
      onStop(reason);
    };
    const channel = this.#channel(runId);
    const watch = { runId, notify };
    await this.#subscriber.sSubscribe(channel, notify);
    this.#watches.add(watch);
    const close = () => {
      done = true;
      if (!this.#watches.delete(watch)) return;
      this.#subscriber.sUnsubscribe(channel, notify).catch((error: unknown) => this.#logger.warn('could not unsubscribe a run watch', { runId, error }));
    };
    try {
      const stored = await this.#redis.sendCommand<string | null>(['GET', this.#key(runId)]);
      if (stored) notify(stored);
    } catch (error) {
      close();
      throw error;
    }
    return { close };
  }

  async settle(runId: string): Promise<void> {
    await this.#redis.sendCommand(['DEL', this.#key(runId)]);
  }

  /** Stops re-checking watches on reconnect; open watches keep their subscriptions until closed. */
  close(): void {
    this.#subscriber.off('ready', this.#onReady);
  }

  #check(runId: string, notify: (text: string) => void): void {
    this.#redis.sendCommand<string | null>(['GET', this.#key(runId)]).then(
      (stored) => stored && notify(stored),
      (error: unknown) => this.#logger.error('could not re-check a stop request after a reconnect', { runId, error }),
    );
  }

  #parse(text: string): StopReason | undefined {
    try {
      const reason = JSON.parse(text) as StopReason;
      if (reasonKinds.has(reason?.kind)) return { kind: reason.kind };
    } catch {}
    this.#logger.warn('ignored a stop request that is not a stop reason', { text: text.slice(0, 200) });
    return undefined;
  }

  #key(runId: string): string {
    return taggedKey(this.#prefix, runId, 'stop');
  }

  #channel(runId: string): string {
    return taggedKey(this.#prefix, runId, 'stop-signal');
  }
}
