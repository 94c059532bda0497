import { checkPrefix, type RedisCommands, type RedisSubscriber } from '../engine/redis/redis-clients.ts';
import { parseCatalogChange } from '../events/catalog-definitions.ts';
import { silentLogger, type Logger } from '../util/logger.ts';
import type { CatalogBus, CatalogBusListener, CatalogBusMessage, RunPhase } from './catalog-bus.ts';

export type RedisCatalogBusOptions = {
  /** A connection for commands (SPUBLISH). */
  redis: RedisCommands;
  /** A second connection of the same server, for sharded pub/sub. */
  subscriber: RedisSubscriber;
  /** Prefix of the channel (no braces). Default `confab:`. */
  keyPrefix?: string;
  logger?: Logger;
};

const runPhases = new Set<RunPhase>(['queued', 'running', 'requires-action', 'waiting', 'ended']);

/**
 * The catalog bus of a cluster: one sharded pub/sub channel, `<prefix>catalog`, that every node
 * publishes its catalog changes to and every API node listens on. Pub/sub keeps nothing: a node
 * that was disconnected cannot know what it missed, so after the subscriber reconnects every
 * listener is told `lost` (its watchers reload). Messages read are validated: another process wrote them.
 */
export class RedisCatalogBus implements CatalogBus {
  readonly #redis: RedisCommands;
  readonly #subscriber: RedisSubscriber;
  readonly #channel: string;
  readonly #logger: Logger;
  readonly #listeners = new Set<CatalogBusListener>();
  #subscribed: Promise<void> | undefined;
  #connectedOnce = false;

  constructor(options: RedisCatalogBusOptions) {
    this.#redis = options.redis;
    this.#subscriber = options.subscriber;
    this.#channel = `${checkPrefix(options.keyPrefix ?? 'confab:')}catalog`;
    this.#logger = options.logger ?? silentLogger;
  }

  async publish(message: CatalogBusMessage): Promise<void> {
    await this.#redis.sendCommand(['SPUBLISH', this.#channel, JSON.stringify(message)]);
  }

  async subscribe(listener: CatalogBusListener): Promise<() => void> {
    this.#listeners.add(listener);
    this.#subscribed ??= this.#listen();
    await this.#subscribed;
    return () => this.#listeners.delete(listener);
  }

  /** Stops listening (the node closes; the connections are the caller's). */
  async close(): Promise<void> {
    this.#listeners.clear();
    this.#subscriber.off('ready', this.#onReady);
    if (this.#subscribed) await this.#subscriber.sUnsubscribe(this.#channel, this.#onMessage).catch(() => {});
  }

  async #listen(): Promise<void> {
    await this.#subscriber.sSubscribe(this.#channel, this.#onMessage);
    this.#connectedOnce = true;
    this.#subscriber.on('ready', this.#onReady);
  }

  readonly #onReady = (): void => {
    if (!this.#connectedOnce) return;
    for (const listener of [...this.#listeners]) listener.lost();
  };

  readonly #onMessage = (text: string): void => {
    const message = parseMessage(text);
    if (!message) return this.#logger.warn('ignored a malformed catalog bus message', { channel: this.#channel });
    for (const listener of [...this.#listeners]) listener.message(message);
  };
}

function parseMessage(text: string): CatalogBusMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (isRunPhase(value)) return value;
  return parseCatalogChange(value);
}

function isRunPhase(value: unknown): value is CatalogBusMessage & { type: 'run-phase' } {
  const candidate = value as { type?: unknown; at?: unknown; data?: { conversationId?: unknown; runId?: unknown; phase?: unknown } } | null;
  return (
    candidate?.type === 'run-phase' &&
    typeof candidate.at === 'number' &&
    typeof candidate.data?.conversationId === 'string' &&
    typeof candidate.data.runId === 'string' &&
    runPhases.has(candidate.data.phase as RunPhase)
  );
}
