import type { ConfabEvent } from '../../events/definitions.ts';
import { formatCursor } from '../../events/cursor.ts';
import type { Logger } from '../../util/logger.ts';
import { taggedKey } from '../redis/redis-clients.ts';
import { LogLostError, staleFence, type ConversationLog, type EventDraft, type EventLog, type Fence, type LogListener, type LogSubscription } from './event-log.ts';
import { appendExactlyOnce } from './redis-append.ts';
import { claimScript, openScript, readScript, type ClaimReply, type ReadReply } from './redis-log-scripts.ts';
import { settingsOf, type RedisEventLogOptions, type Settings } from './redis-event-log-options.ts';
import { SerialTasks } from './serial-tasks.ts';

export type { RedisEventLogOptions };

/**
 * The conversation log on Redis, shared by every node: a stream per conversation for replay, a shard
 * channel for live push, and one Lua script per append that checks the epoch and the fence, assigns
 * the seqs, writes the stream and publishes (`redis-log-scripts.ts`). Each open log subscribes to its
 * conversation's channel, then reads the stream from its cursor, and delivers to its listeners in seq
 * order, each event once: duplicates (its own appends coming back) are dropped by seq, a hole in the
 * seqs is filled from the stream, or reported as a gap when the stream no longer holds it.
 */
export class RedisEventLog implements EventLog {
  readonly #settings: Settings;
  readonly #open = new Set<RedisConversationLog>();
  readonly #onReady = () => {
    for (const log of this.#open) log.catchUp();
  };

  constructor(options: RedisEventLogOptions) {
    if (!(options.capacity >= 1)) throw new RangeError('event log capacity must be at least 1');
    this.#settings = settingsOf(options);
    // Messages published while the subscriber was reconnecting are lost: catch up from the streams.
    options.subscriber.on('ready', this.#onReady);
  }

  async open(conversationId: string, options: { lastSeq: number }): Promise<ConversationLog> {
    const log = new RedisConversationLog(conversationId, this.#settings, () => this.#open.delete(log));
    await log.start(options.lastSeq);
    this.#open.add(log);
    return log;
  }

  /** The store's records are checkpointed on a timer, not folded from the stream at start-up. */
  async conversationsToRecover(): Promise<string[]> {
    return [];
  }

  /** Not counted: the benchmark's store writes are the store's. */
  get writes(): number {
    return 0;
  }

  /** Closes every log it opened and stops watching the subscriber's reconnects. */
  close(): void {
    this.#settings.subscriber.off('ready', this.#onReady);
    for (const log of this.#open) log.close();
  }
}

type Keys = { meta: string; events: string; claims: string; order: string; live: string };
type Stored = { runId: string | null; type: ConfabEvent['type']; at: number; data: unknown };
/** What the stream holds after a seq: all of it, not all of it (up to `last`), or another epoch's log. */
type Held = { kind: 'held'; events: ConfabEvent[] } | { kind: 'gone'; last: number } | { kind: 'lost' };

class RedisConversationLog implements ConversationLog {
  readonly conversationId: string;
  epoch = '';
  #lastSeq = 0;
  /** The last seq delivered to the listeners, in order. */
  #delivered = 0;
  #listeners: LogListener[] = [];
  #started = false;
  #closed = false;
  /** The shared log began a new epoch under this one: nothing more is delivered. */
  #lost = false;
  /** Live batches arrived before the start, or were dropped at the queue's bound: re-read the stream. */
  #behind = false;
  readonly #keys: Keys;
  readonly #settings: Settings;
  readonly #tasks: SerialTasks;
  /** The append in flight, if any (see `append`). */
  #appending: Promise<unknown> = Promise.resolve();
  readonly #onClose: () => void;

  constructor(conversationId: string, settings: Settings, onClose: () => void) {
    this.conversationId = conversationId;
    this.#settings = settings;
    this.#onClose = onClose;
    const key = (role: string) => taggedKey(settings.keyPrefix, conversationId, role);
    this.#keys = { meta: key('log'), events: key('events'), claims: key('claims'), order: key('claim-order'), live: key('live') };
    this.#tasks = new SerialTasks({
      limit: settings.maxQueuedBatches,
      onError: (error) => settings.logger.error('conversation log delivery failed', { conversationId, error }),
    });
  }

  /** Subscribes first, then reads where the log stands, so no append falls between the two. */
  async start(lastSeq: number): Promise<void> {
    const newEpoch = this.#settings.newEpoch();
    if (!/^[^\s.]+$/.test(newEpoch)) throw new RangeError(`an epoch is a non-empty word without dots: ${JSON.stringify(newEpoch)}`);
    await this.#settings.subscriber.sSubscribe(this.#keys.live, this.#onMessage);
    try {
      const { meta, events, claims, order } = this.#keys;
      const args = [String(lastSeq), newEpoch, String(this.#settings.idleTtlMs)];
      const [epoch, seq] = await openScript.run<[string, string]>(this.#settings.redis, [meta, events, claims, order], args);
      this.epoch = epoch;
      this.#lastSeq = this.#delivered = Number(seq);
      this.#started = true;
      if (this.#behind) this.catchUp();
    } catch (error) {
      this.close();
      throw error;
    }
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Delivered once Redis has it, but the records that recovery reads lag by a checkpoint interval. */
  readonly durable = false;
  readonly checkpointDue = false;

  /** The stream is trimmed by its capacity alone. */
  async checkpointed(): Promise<void> {}

  async claim(fence: Fence): Promise<void> {
    const { meta, claims, order } = this.#keys;
    const args = [this.epoch, String(this.#lastSeq), fence.runId, String(fence.attempt), String(this.#settings.maxClaims), String(this.#settings.idleTtlMs)];
    const [status] = await claimScript.run<ClaimReply>(this.#settings.redis, [meta, claims, order], args);
    if (status === 'lost') throw new LogLostError(this.conversationId);
    if (status === 'stale') throw staleFence(fence);
  }

  /** One append at a time: a script Redis has to be sent again (after a restart) must not land behind a later append. */
  append(drafts: EventDraft[], fence?: Fence): Promise<ConfabEvent[]> {
    const appended = this.#appending.then(() => this.#append(drafts, fence));
    this.#appending = appended.catch(() => {});
    return appended;
  }

  async #append(drafts: EventDraft[], fence?: Fence): Promise<ConfabEvent[]> {
    const at = this.#settings.clock.now();
    const stored = drafts.map((draft) => JSON.stringify({ runId: draft.runId, type: draft.type, at, data: draft.data } satisfies Stored));
    const { meta, events: stream, claims, live } = this.#keys;
    const settings = [String(this.#settings.idleTtlMs), fence?.runId ?? '', String(fence?.attempt ?? ''), String(this.#settings.capacity)];
    const call = { redis: this.#settings.redis, keys: [meta, stream, claims, live], epoch: this.epoch, seen: this.#lastSeq, settings, stored, capacity: this.#settings.capacity };
    const reply = await appendExactlyOnce(call);
    if (reply[0] === 'lost') throw new LogLostError(this.conversationId);
    if (reply[0] === 'stale') throw staleFence(fence!);
    const first = reply[1];
    const events = drafts.map((draft, index) => this.#event(first + index, { runId: draft.runId, type: draft.type, at, data: draft.data }));
    this.#lastSeq = Math.max(this.#lastSeq, first + drafts.length - 1);
    if (events.length > 0) await this.#tasks.add(() => this.#deliver(first, () => events));
    return events;
  }

  async read(after: number): Promise<ConfabEvent[] | undefined> {
    const held = await this.#read(after);
    return held.kind === 'held' ? held.events : undefined;
  }

  async subscribe(after: number | undefined, listener: LogListener): Promise<LogSubscription> {
    await this.#tasks.add(async () => {
      if (after !== undefined && after > this.#delivered) await this.#catchUp();
      if (after !== undefined && (after !== this.#delivered || this.#lost)) {
        const held: Held = after > this.#delivered || this.#lost ? { kind: 'lost' } : await this.#read(after).catch(() => ({ kind: 'lost' }) as const);
        const replay = held.kind === 'held' ? held.events.filter((event) => event.seq <= this.#delivered) : [];
        if (held.kind !== 'held') call(this.#settings.logger, () => listener.gap());
        else if (replay.length > 0) call(this.#settings.logger, () => listener.events(replay));
        this.#listeners.push(listener);
        // Events appended since this log last delivered go to every listener, the new one included.
        if (held.kind === 'held' && held.events.length > replay.length) this.#emit(held.events.slice(replay.length));
      } else this.#listeners.push(listener);
    });
    return { close: () => (this.#listeners = this.#listeners.filter((candidate) => candidate !== listener)) };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners = [];
    this.#onClose();
    this.#settings.subscriber.sUnsubscribe(this.#keys.live, this.#onMessage).catch((error: unknown) => this.#settings.logger.warn('could not unsubscribe a conversation log', { conversationId: this.conversationId, error }));
  }

  async sync(): Promise<void> {
    if (!this.#closed && !this.#lost) await this.#tasks.add(() => this.#catchUp());
  }

  /** Reads the stream after what was delivered and delivers it (after a reconnect, say). */
  catchUp(): void {
    if (!this.#closed && !this.#lost) this.#tasks.add(() => this.#catchUp()).catch(() => {});
  }

  /** A published append: `<epoch> <first seq> <count> [<event JSON>,…]`. */
  readonly #onMessage = (message: string): void => {
    if (this.#closed || this.#lost) return;
    if (!this.#started || this.#tasks.full) {
      this.#behind = true;
      return;
    }
    const [epoch, firstText, countText] = message.split(' ', 3) as [string, string, string];
    const first = Number(firstText);
    // Another epoch's append: ours was lost (the read finds out), or the message is an old one.
    if (epoch !== this.epoch) return this.catchUp();
    if (first + Number(countText) - 1 <= this.#delivered) return;
    const body = epoch.length + firstText.length + countText.length + 3;
    const decode = () => (JSON.parse(message.slice(body)) as Stored[]).map((stored, index) => this.#event(first + index, stored));
    this.#tasks.add(() => this.#deliver(first, decode)).catch(() => {});
  };

  /** Delivers a batch starting at `first`, after filling any hole before it from the stream. */
  async #deliver(first: number, decode: () => ConfabEvent[]): Promise<void> {
    if (this.#closed || this.#lost) return;
    if (this.#behind || first > this.#delivered + 1) await this.#catchUp(first - 1);
    if (this.#lost) return;
    if (first > this.#delivered + 1) {
      this.#gap();
      this.#delivered = first - 1;
    }
    const events = decode();
    const fresh = events[0]!.seq > this.#delivered ? events : events.filter((event) => event.seq > this.#delivered);
    if (fresh.length > 0) this.#emit(fresh);
  }

  /** Reads what follows the delivered seq; if the stream lost some, a gap, then on from `resumeAfter` (default: the end). */
  async #catchUp(resumeAfter = Infinity): Promise<void> {
    this.#behind = false;
    let held: Held;
    try {
      held = await this.#read(this.#delivered);
    } catch (error) {
      return this.#settings.logger.error('could not read a conversation log to fill a gap', { conversationId: this.conversationId, error });
    }
    if (held.kind === 'lost') this.#loseEpoch();
    else if (held.kind === 'gone') {
      this.#gap();
      this.#delivered = Math.max(this.#delivered, Math.min(held.last, resumeAfter));
    } else if (held.events.length > 0) this.#emit(held.events);
  }

  /** Exactly the events after `after` up to the last seq, when the stream holds them all. */
  async #read(after: number): Promise<Held> {
    const args = [this.epoch, String(this.#lastSeq), String(after), String(this.#settings.capacity)];
    const reply = await readScript.run<ReadReply>(this.#settings.redis, [this.#keys.meta, this.#keys.events], args);
    if (reply[0] === 'lost') return { kind: 'lost' };
    if (reply[0] === 'gone') return { kind: 'gone', last: reply[1] };
    const [, last, entries] = reply;
    const events = entries.map(([id, [, value]]) => this.#event(Number.parseInt(id, 10), JSON.parse(value) as Stored));
    const complete = events.length === last - after && events.every((event, index) => event.seq === after + 1 + index);
    return complete ? { kind: 'held', events } : { kind: 'gone', last };
  }

  #emit(events: ConfabEvent[]): void {
    if (this.#closed) return;
    this.#delivered = events.at(-1)!.seq;
    this.#lastSeq = Math.max(this.#lastSeq, this.#delivered);
    for (const listener of this.#listeners) call(this.#settings.logger, () => listener.events(events));
  }

  #gap(): void {
    if (this.#closed) return;
    for (const listener of this.#listeners) call(this.#settings.logger, () => listener.gap());
  }

  /** Another epoch writes this conversation now: the listeners need a snapshot from a reopened log. */
  #loseEpoch(): void {
    if (this.#lost) return;
    this.#gap();
    this.#lost = true;
  }

  #event(seq: number, stored: Stored): ConfabEvent {
    const { runId, type, at, data } = stored;
    return { seq, cursor: formatCursor(this.epoch, seq), conversationId: this.conversationId, runId, type, at, data } as ConfabEvent;
  }
}

/** A listener that throws must not keep the events from the listeners after it. */
function call(logger: Logger, deliver: () => void): void {
  try {
    deliver();
  } catch (error) {
    logger.error('a conversation log listener threw', { error });
  }
}
