import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import { ConfabError } from '../../domain/errors.ts';
import type { SessionHub } from '../../engine/session-hub.ts';
import type { Subscription } from '../../engine/subscription.ts';
import type { CatalogSubscription } from '../../catalog/catalog-subscription.ts';
import type { CatalogEvent } from '../../events/catalog-definitions.ts';
import type { ConfabEvent } from '../../events/definitions.ts';
import { withFields, type Logger } from '../../util/logger.ts';
import { encodeEvent } from '../encode-event.ts';
import { toWireError } from '../http/respond.ts';
import type { ServerLimits } from '../server-limits.ts';
import { turnCache } from '../../util/turn-cache.ts';
import { parseClientFrame, type ClientFrame, type FrameIdValue, type ServerControlFrame } from './client-frames.ts';
import { textFrames } from './text-frames.ts';

export const closeCodes = { goingAway: 1001, policyViolation: 1008, messageTooBig: 1009 } as const;

/** The event's JSON as UTF-8 bytes, made once per event in a turn and shared by every socket writing it then. */
const eventPayload = turnCache((event: ConfabEvent) => Buffer.from(encodeEvent(event), 'utf8'));
const catalogPayload = turnCache((event: CatalogEvent) => Buffer.from(JSON.stringify(event), 'utf8'));

export type WsConnectionOptions = {
  ws: WebSocket;
  /** The upgraded socket under `ws`: a batch of frames is written to it directly, in one write. */
  socket: Duplex;
  hub: SessionHub;
  limits: ServerLimits;
  /** The server's logger; lines about this socket carry `requestId` (bound when a line is written, not kept per socket). */
  logger: Logger;
  requestId: string;
  onClose: (connection: WsConnection) => void;
};

/** What the socket drains: a conversation subscription or the catalog watch. */
type Drainable = { onReadable: (() => void) | undefined; close(): void };

function stopDraining(subscription: Drainable | undefined): void {
  if (!subscription) return;
  subscription.onReadable = undefined;
  subscription.close();
}

/** A conversation this socket watches: the generation of the latest (un)subscribe, and the subscription once made. */
type Watch = { generation: number; subscription: Subscription | undefined };

/**
 * One client socket carrying many conversations. Replies (ack, error, pong) and the events of
 * every subscription ready in the same event-loop turn go out as one write. Events are only
 * taken from subscriptions while the socket's buffered bytes are under the high-water mark; above
 * it the socket is looked at again on `drain` or after a short timer, and a subscription that falls
 * too far behind meanwhile is cut over to a snapshot by its own bound. Replies wait too, up to
 * `wsMaxPendingReplies`; a client that sends past that without reading is closed (1008).
 */
export class WsConnection {
  /** Whether the socket answered the last ping (see the gateway's ping loop). */
  alive = true;
  readonly #ws: WebSocket;
  readonly #socket: Duplex;
  readonly #hub: SessionHub;
  readonly #limits: ServerLimits;
  readonly #logger: Logger;
  readonly requestId: string;
  readonly #onClose: (connection: WsConnection) => void;
  /** Conversations subscribed or being subscribed (one map: an idle socket holds little). */
  readonly #watches = new Map<string, Watch>();
  #generation = 0;
  /** The catalog watch (one per socket): the generation of the latest (un)subscribe-catalog, and the subscription once made. */
  #catalog: { generation: number; subscription: CatalogSubscription | undefined } | undefined;
  #outbox: string[] = [];
  #malformed = 0;
  #inFlight = 0;
  #scheduled = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: WsConnectionOptions) {
    this.#ws = options.ws;
    this.#socket = options.socket;
    this.#hub = options.hub;
    this.#limits = options.limits;
    this.#logger = options.logger;
    this.requestId = options.requestId;
    this.#onClose = options.onClose;
    this.#ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
    this.#ws.on('pong', () => (this.alive = true));
    this.#ws.on('error', (error) => this.logger.warn('websocket error', { error: error.message }));
    this.#ws.on('close', () => this.#cleanup());
    this.#socket.on('drain', () => this.#schedule());
  }

  /** The server's logger with this socket's request id. */
  get logger(): Logger {
    return withFields(this.#logger, { requestId: this.requestId });
  }

  ping(): void {
    this.alive = false;
    this.#ws.ping();
  }

  terminate(): void {
    this.#ws.terminate();
  }

  /** Starts the closing handshake with `code` (1001 on shutdown). */
  end(code: number = closeCodes.goingAway, reason = 'server shutting down'): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(code, reason);
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN) return;
    if (isBinary) return this.#malformedFrame(undefined, 'Binary frames are not accepted; send JSON text frames.');
    const text = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
    const parsed = parseClientFrame(text);
    if (!parsed.ok) return this.#malformedFrame(parsed.id, parsed.message);
    const frame = parsed.frame;
    // Commands run concurrently up to a bound; at the bound the socket is not read until one ends.
    if (++this.#inFlight >= this.#limits.wsMaxCommandsInFlight) this.#ws.pause();
    this.#handle(frame)
      .then(
        (result) => {
          if (result !== undefined) this.#reply(result);
        },
        (error: unknown) => {
          const { body } = toWireError(error, this.logger, { frame: frame.type });
          this.#reply({ type: 'error', id: frame.id, error: body.error });
        },
      )
      .finally(() => {
        if (this.#inFlight-- === this.#limits.wsMaxCommandsInFlight && !this.#closed) this.#ws.resume();
      });
  }

  async #handle(frame: ClientFrame): Promise<ServerControlFrame | undefined> {
    switch (frame.type) {
      case 'ping':
        return { type: 'pong', id: frame.id };
      case 'subscribe':
        return this.#subscribe(frame.conversationId, frame.after ?? undefined, frame.id);
      case 'subscribe-catalog':
        return this.#subscribeCatalog(frame.after ?? undefined, frame.id);
      case 'unsubscribe-catalog':
        this.#unsubscribeCatalog();
        return { type: 'ack', id: frame.id, result: { catalog: false } };
      case 'unsubscribe':
        this.#unsubscribe(frame.conversationId);
        return { type: 'ack', id: frame.id, result: { conversationId: frame.conversationId } };
      case 'send': {
        const { type: _type, id: _id, conversationId, ...input } = frame;
        return { type: 'ack', id: frame.id, result: await this.#hub.send(conversationId, input) };
      }
      case 'stop':
        return { type: 'ack', id: frame.id, result: await this.#hub.stop(frame.conversationId, { runId: frame.runId }) };
      case 'continue':
        return { type: 'ack', id: frame.id, result: await this.#hub.continue(frame.conversationId) };
      case 'regenerate':
        return { type: 'ack', id: frame.id, result: await this.#hub.regenerate(frame.conversationId, { messageId: frame.messageId }) };
      case 'select-branch':
        return { type: 'ack', id: frame.id, result: { conversation: await this.#hub.selectBranch(frame.conversationId, { messageId: frame.messageId }) } };
      case 'approve': {
        const { decision, note } = frame;
        return { type: 'ack', id: frame.id, result: await this.#hub.approve(frame.conversationId, frame.approvalId, note === undefined ? { decision } : { decision, note }) };
      }
    }
  }

  async #subscribe(conversationId: string, after: string | undefined, id: FrameIdValue | undefined): Promise<ServerControlFrame | undefined> {
    const existing = this.#watches.get(conversationId);
    if (!existing && this.#watches.size >= this.#limits.wsMaxSubscriptions) {
      throw new ConfabError('rate_limited', `This socket already watches ${this.#watches.size} conversations (the limit); unsubscribe from one first.`);
    }
    const generation = ++this.#generation;
    const watch = existing ?? { generation, subscription: undefined };
    watch.generation = generation;
    this.#watches.set(conversationId, watch);
    let subscription: Subscription;
    try {
      subscription = await this.#hub.subscribe(conversationId, { after });
    } catch (error) {
      // Still the latest request: the socket does not watch what it could not subscribe to (an earlier subscription goes on).
      if (this.#watches.get(conversationId) === watch && watch.generation === generation && !watch.subscription) this.#watches.delete(conversationId);
      throw error;
    }
    const ack: ServerControlFrame = { type: 'ack', id, result: { conversationId } };
    // Superseded by a later subscribe or unsubscribe of the same conversation, or the socket went away.
    if (this.#closed || this.#watches.get(conversationId) !== watch || watch.generation !== generation) {
      subscription.close();
      return ack;
    }
    watch.subscription?.close();
    watch.subscription = subscription;
    return this.#startDraining(subscription, ack);
  }

  /** The ack goes into the outbox before the subscription's first events are drained. */
  #startDraining(subscription: Drainable, ack: ServerControlFrame): undefined {
    this.#reply(ack);
    subscription.onReadable = () => this.#schedule();
    return undefined;
  }

  /** Like `#subscribe`, for the one catalog watch a socket may hold; a second subscribe replaces the first. */
  async #subscribeCatalog(after: string | undefined, id: FrameIdValue | undefined): Promise<ServerControlFrame | undefined> {
    const watch = { generation: ++this.#generation, subscription: this.#catalog?.subscription };
    this.#catalog = watch;
    const subscription = await this.#hub.watchCatalog(after);
    const ack: ServerControlFrame = { type: 'ack', id, result: { catalog: true } };
    if (this.#closed || this.#catalog !== watch) {
      subscription.close();
      return ack;
    }
    watch.subscription?.close();
    watch.subscription = subscription;
    return this.#startDraining(subscription, ack);
  }

  #unsubscribeCatalog(): void {
    stopDraining(this.#catalog?.subscription);
    this.#catalog = undefined;
  }

  #unsubscribe(conversationId: string): void {
    stopDraining(this.#watches.get(conversationId)?.subscription);
    this.#watches.delete(conversationId);
  }

  #malformedFrame(id: FrameIdValue | undefined, message: string): void {
    this.#malformed++;
    this.#reply({ type: 'error', id, error: { code: 'bad_request', message } });
    if (this.#malformed > this.#limits.wsMaxMalformedFrames) {
      this.#flush();
      this.end(closeCodes.policyViolation, 'too many malformed frames');
    }
  }

  #reply(frame: ServerControlFrame): void {
    if (this.#closed) return;
    if (this.#outbox.length >= this.#limits.wsMaxPendingReplies) {
      // The client keeps sending but does not read what we send back.
      return this.end(closeCodes.policyViolation, 'not reading');
    }
    this.#outbox.push(JSON.stringify(frame));
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  /**
   * Writes replies, then events, framed into one buffer (text-frames.ts): one socket write per
   * batch, while the socket with the batch so far stays under its high-water mark.
   */
  #flush(): void {
    this.#scheduled = false;
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN || !this.#socket.writable || this.#overHighWater(0)) return;
    const payloads: Buffer[] = [];
    let bytes = 0;
    for (const frame of this.#outbox) {
      const payload = Buffer.from(frame, 'utf8');
      payloads.push(payload);
      bytes += payload.length;
    }
    this.#outbox = [];
    const catalog = this.#catalog?.subscription;
    if (catalog) {
      for (const event of catalog.take()) {
        const payload = catalogPayload(event);
        payloads.push(payload);
        bytes += payload.length;
      }
    }
    for (const [conversationId, { subscription }] of this.#watches) {
      if (!subscription) continue;
      if (this.#overHighWater(bytes)) break;
      for (const event of subscription.take()) {
        const payload = eventPayload(event);
        payloads.push(payload);
        bytes += payload.length;
      }
      if (subscription.closed && subscription.pending === 0) this.#watches.delete(conversationId);
    }
    if (payloads.length > 0) this.#socket.write(textFrames(payloads));
  }

  /** True (and a retry armed) when the socket holds, with `batched` bytes about to be written, more than the high-water mark. */
  #overHighWater(batched: number): boolean {
    if (this.#ws.bufferedAmount + batched <= this.#limits.wsHighWaterBytes) return false;
    if (this.#retryTimer === undefined) {
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        this.#schedule();
      }, this.#limits.wsBackpressureRetryMs);
    }
    return true;
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    for (const { subscription } of this.#watches.values()) stopDraining(subscription);
    this.#watches.clear();
    this.#unsubscribeCatalog();
    this.#outbox = [];
    this.#onClose(this);
  }
}
