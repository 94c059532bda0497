import type { ApproveInput } from '../domain/approval-schemas.ts';
import type { MessageRefInput, SendInput } from '../domain/requests.ts';
import { parseEvent } from '../events/definitions.ts';
import type { ApproveResult, ContinueResult, RegenerateResult, SelectBranchResult, SendResult, StopResult } from './api-types.ts';
import { ConfabClientError } from './client-error.ts';
import { errorFromResponse, type Http } from './http.ts';
import { conversationPath, type ConversationsApi } from './rest-api.ts';
import type { Scheduler } from './scheduler.ts';
import { SseParser } from './sse-parser.ts';
import type { Transport } from './transport.ts';

export type SseTransportOptions = {
  http: Http;
  conversations: ConversationsApi;
  scheduler: Scheduler;
  /** The server sends a keep-alive comment every 15 s; a stream silent for this long is taken as dead. 0 disables. */
  idleTimeoutMs: number;
  /** Time allowed for a stream's response headers. */
  requestTimeoutMs: number;
};

type Stream = { controller: AbortController; idleTimer: unknown; timedOut: boolean; deleted: boolean };

/**
 * The fallback for networks that refuse WebSocket upgrades: one `fetch` stream of Server-Sent Events
 * per watched conversation (EventSource is not used: Node has none, and it cannot send an
 * Authorization header), and commands over REST. If any stream breaks, the whole transport ends and
 * the connection manager reconnects all of them, each resuming from its own cursor.
 */
export class SseTransport implements Transport {
  readonly kind = 'sse';
  onevent?: Transport['onevent'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  readonly #options: SseTransportOptions;
  readonly #streams = new Map<string, Stream>();
  #ended = false;

  constructor(options: SseTransportOptions) {
    this.#options = options;
  }

  /** There is no connection to open: checks the server answers HTTP at all. */
  async start(): Promise<void> {
    await this.#options.http.json('GET', '/v1/health');
  }

  async subscribe(conversationId: string, after: string | null): Promise<void> {
    if (this.#ended) throw new ConfabClientError('network', 'The connection is closed.');
    this.#streams.get(conversationId)?.controller.abort();
    const { http, scheduler } = this.#options;
    const stream: Stream = { controller: new AbortController(), idleTimer: undefined, timedOut: false, deleted: false };
    this.#streams.set(conversationId, stream);
    const headersTimer = scheduler.setTimeout(() => this.#timeOut(stream), this.#options.requestTimeoutMs);
    let response: Response;
    try {
      response = await http.send(http.url(`${conversationPath(conversationId)}/events`), {
        headers: http.headers({ accept: 'text/event-stream', ...(after === null ? {} : { 'last-event-id': after }) }),
        cache: 'no-store',
        signal: stream.controller.signal,
      });
    } catch (error) {
      this.#forget(conversationId, stream);
      throw stream.timedOut ? new ConfabClientError('timeout', 'The event stream did not open in time.') : error;
    } finally {
      scheduler.clearTimeout(headersTimer);
    }
    if (!response.ok || !response.body) {
      this.#forget(conversationId, stream);
      throw response.ok ? new ConfabClientError('bad_response', 'The event stream has no body.') : await errorFromResponse(response);
    }
    void this.#pump(conversationId, stream, response.body);
  }

  async unsubscribe(conversationId: string): Promise<void> {
    const stream = this.#streams.get(conversationId);
    if (stream) this.#forget(conversationId, stream);
  }

  send(conversationId: string, input: SendInput): Promise<SendResult> {
    return this.#options.conversations.send(conversationId, input);
  }

  stop(conversationId: string, runId: string | undefined): Promise<StopResult> {
    return this.#options.conversations.stop(conversationId, { runId });
  }

  continue(conversationId: string): Promise<ContinueResult> {
    return this.#options.conversations.continue(conversationId);
  }

  regenerate(conversationId: string, input: MessageRefInput): Promise<RegenerateResult> {
    return this.#options.conversations.regenerate(conversationId, input);
  }

  selectBranch(conversationId: string, input: MessageRefInput): Promise<SelectBranchResult> {
    return this.#options.conversations.selectBranch(conversationId, input);
  }

  approve(conversationId: string, approvalId: string, input: ApproveInput): Promise<ApproveResult> {
    return this.#options.conversations.approve(conversationId, approvalId, input);
  }

  async close(): Promise<void> {
    this.#end(null);
  }

  async #pump(conversationId: string, stream: Stream, body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let failure: ConfabClientError | undefined;
    try {
      this.#armIdle(stream);
      while (true) {
        const { done, value } = await reader.read();
        if (done || this.#streams.get(conversationId) !== stream) break;
        this.#armIdle(stream);
        for (const message of parser.feed(decoder.decode(value, { stream: true }))) this.#message(conversationId, stream, message.data);
      }
    } catch (cause) {
      failure = stream.timedOut
        ? new ConfabClientError('timeout', 'The event stream went silent (no keep-alive).')
        : new ConfabClientError('network', 'The event stream broke.', { cause });
    } finally {
      this.#options.scheduler.clearTimeout(stream.idleTimer);
      reader.releaseLock();
    }
    if (this.#streams.get(conversationId) !== stream) return;
    this.#streams.delete(conversationId);
    // The server ends a stream after `conversation-deleted`; any other end means the connection was lost.
    if (!stream.deleted) this.#end(failure ?? new ConfabClientError('network', 'The event stream ended.'));
  }

  #message(conversationId: string, stream: Stream, data: string): void {
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      return this.onerror?.(new ConfabClientError('bad_response', 'The server sent an event that is not JSON.'));
    }
    const parsed = parseEvent(value);
    if (!parsed.ok) return this.onerror?.(new ConfabClientError('bad_response', `The server sent an invalid event: ${parsed.message}`));
    if (parsed.event.conversationId !== conversationId) return;
    if (parsed.event.type === 'conversation-deleted') stream.deleted = true;
    this.onevent?.(parsed.event);
  }

  #armIdle(stream: Stream): void {
    const { scheduler, idleTimeoutMs } = this.#options;
    scheduler.clearTimeout(stream.idleTimer);
    if (idleTimeoutMs > 0) stream.idleTimer = scheduler.setTimeout(() => this.#timeOut(stream), idleTimeoutMs);
  }

  #timeOut(stream: Stream): void {
    stream.timedOut = true;
    stream.controller.abort();
  }

  #forget(conversationId: string, stream: Stream): void {
    if (this.#streams.get(conversationId) === stream) this.#streams.delete(conversationId);
    this.#options.scheduler.clearTimeout(stream.idleTimer);
    stream.controller.abort();
  }

  #end(error: ConfabClientError | null): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const [conversationId, stream] of this.#streams) this.#forget(conversationId, stream);
    this.onclose?.(error);
  }
}
