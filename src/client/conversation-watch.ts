import type { Approval, ApprovalDecision } from '../domain/approval-schemas.ts';
import type { SendInput } from '../domain/requests.ts';
import { isTerminalRunStatus, type ConversationState, type Run } from '../domain/schemas.ts';
import type { ConfabEvent } from '../events/definitions.ts';
import type { ApproveResult, ContinueResult, RegenerateResult, SelectBranchResult, SendResult, StopResult } from './api-types.ts';
import { ConfabClientError, toClientError } from './client-error.ts';
import type { Connection, Subscriber } from './connection.ts';
import { notify } from './listeners.ts';
import type { ConversationsApi } from './rest-api.ts';
import type { Transport } from './transport.ts';
import { initialState, type WatchState } from './watch-state.ts';
import { activeRunOf, fromDetail, queueOf, reconcile, statusOf, type QueuedRun, type ReconciledState, type RetryState, type WatchStatus } from './watch-reducer.ts';

export type { WatchState };

export type SendOptions = Omit<SendInput, 'content'>;

type WatchDependencies = {
  conversations: ConversationsApi;
  connection: Connection;
  newRequestId: () => string;
  onClosed: (watch: ConversationWatch) => void;
};

/**
 * A live view of one conversation. It loads the state over REST, then subscribes from that state's
 * cursor (so it receives a replay of what it missed, not a redundant snapshot), folds every event in
 * with the engine's own reducer, and resubscribes from its last cursor after every reconnect,
 * dropping events it has already applied.
 */
export class ConversationWatch {
  readonly conversationId: string;
  /** Resolves once the first state is in; rejects if it never can be (not found, closed, …). */
  readonly ready: Promise<void>;
  readonly #deps: WatchDependencies;
  /** `runEnded` calls still waiting, rejected when the watch closes. */
  readonly #endWaiters = new Set<() => void>();
  readonly #subscriber: Subscriber;
  readonly #listeners = new Set<(state: WatchState) => void>();
  readonly #eventListeners = new Set<(event: ConfabEvent) => void>();
  #current: WatchState = initialState;
  #reconciled: ReconciledState | undefined;
  #settleReady!: (error?: ConfabClientError) => void;
  #references = 1;
  #closed = false;

  constructor(conversationId: string, deps: WatchDependencies) {
    this.conversationId = conversationId;
    this.#deps = deps;
    this.#subscriber = {
      conversationId,
      cursor: () => this.#reconciled?.cursor ?? null,
      deliver: (event) => this.#receive(event),
      reject: (error) => this.#fail(error),
      setLive: (live) => this.#setLive(live),
    };
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (error) => (error ? reject(error) : resolve());
    });
    // Awaiting `ready` is optional: never let an unobserved rejection crash the host.
    this.ready.catch(() => undefined);
    void this.#load();
  }

  /** The current immutable state (`getSnapshot` for React's `useSyncExternalStore`). */
  get current(): WatchState {
    return this.#current;
  }
  get state(): ConversationState | null {
    return this.#current.state;
  }
  get status(): WatchStatus {
    return this.#current.status;
  }
  get retry(): RetryState | null {
    return this.#current.retry;
  }
  get queue(): readonly QueuedRun[] {
    return this.#current.queue;
  }
  get approvals(): readonly Approval[] {
    return this.#current.approvals;
  }
  get lastSeq(): number {
    return this.#current.lastSeq;
  }
  get cursor(): string | null {
    return this.#current.cursor;
  }
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Called with the new WatchState after every change; returns the unsubscribe function. Bound, so
   * `useSyncExternalStore(watch.subscribe, () => watch.current)` works as is.
   */
  readonly subscribe = (listener: (state: WatchState) => void): (() => void) => {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  };

  /** Raw events, after deduplication: each event is seen once, in `seq` order (a `snapshot` may restart the sequence). */
  readonly onEvent = (listener: (event: ConfabEvent) => void): (() => void) => {
    this.#eventListeners.add(listener);
    return () => void this.#eventListeners.delete(listener);
  };

  /** Sends a user message. Idempotent across reconnects: a `clientRequestId` is generated unless given. */
  send(content: string, options: SendOptions = {}): Promise<SendResult> {
    const input: SendInput = { ...options, content, clientRequestId: options.clientRequestId ?? this.#deps.newRequestId() };
    return this.#command((transport) => transport.send(this.conversationId, input), 2);
  }

  /** Stops `runId`, or the run active now; resolves when it has ended. */
  stop(runId?: string): Promise<StopResult> {
    const target = runId ?? this.#current.activeRun?.id;
    // Retrying a stop is safe only when it names its run: a bare stop could hit the next queued run.
    return this.#command((transport) => transport.stop(this.conversationId, target), target === undefined ? 0 : 2);
  }

  /**
   * Answers a pending approval (`note` goes to the model with a denial); resolves once it is stored.
   * Not retried: a repeat of an answer that arrived fails with `approval_closed` (see `approvals`).
   */
  approve(approvalId: string, decision: ApprovalDecision, note?: string): Promise<ApproveResult> {
    const input = note === undefined ? { decision } : { decision, note };
    return this.#command((transport) => transport.approve(this.conversationId, approvalId, input), 0);
  }

  /**
   * A new reply to the user message that `messageId` (a reply, or the user message) answers, on a
   * new branch; the earlier replies stay. Not retried: a second one would be a second reply.
   */
  regenerate(messageId: string): Promise<RegenerateResult> {
    return this.#command((transport) => transport.regenerate(this.conversationId, { messageId }), 0);
  }

  /** Shows the branch through `messageId` (the state's `activeBranch`). Safe to retry. */
  selectBranch(messageId: string): Promise<SelectBranchResult> {
    return this.#command((transport) => transport.selectBranch(this.conversationId, { messageId }), 2);
  }

  /** Carries on from the last run's partial message. Not retried: a second continue could start a second run. */
  continue(): Promise<ContinueResult> {
    return this.#command((transport) => transport.continue(this.conversationId), 0);
  }

  /**
   * Resolves with the run once it has ended (completed, stopped, failed or interrupted), at once
   * when it already has: `const { run } = await watch.send(text); const ended = await watch.runEnded(run.id)`.
   * Rejects when the conversation is deleted, the watch fails or is closed, or the connection gave
   * up reconnecting (a rejection before it is awaited is not reported as unhandled). A run the
   * watch never sees keeps it waiting: pass a run of this conversation.
   */
  runEnded(runId: string): Promise<Run> {
    const ended = new Promise<Run>((resolve, reject) => {
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        stopWatching();
        stopConnection();
        this.#endWaiters.delete(onClose);
        settle();
      };
      const check = (current: WatchState) => {
        const run = current.state?.runs.find((candidate) => candidate.id === runId);
        if (run && isTerminalRunStatus(run.status)) finish(() => resolve(run));
        else if (current.deleted) finish(() => reject(new ConfabClientError('not_found', 'The conversation was deleted.')));
        else if (current.error) finish(() => reject(current.error));
      };
      const onClose = () => finish(() => reject(new ConfabClientError('closed', 'The watch was closed.')));
      // `subscribe` reports changes only: the run may have ended before this call (its events can
      // arrive before the answer to the send that started it), so the state as it is counts too.
      const stopWatching = this.subscribe(check);
      const stopConnection = this.#deps.connection.onChange((connection) => {
        if (connection.status === 'closed' && connection.error) finish(() => reject(connection.error));
      });
      if (this.#closed) return onClose();
      this.#endWaiters.add(onClose);
      check(this.#current);
    });
    // Often awaited after other work (`const ended = watch.runEnded(id); await watch.stop(id)`):
    // a rejection meanwhile must not count as unhandled. Whoever awaits it still gets it.
    ended.catch(() => undefined);
    return ended;
  }

  /** Stops watching (each `client.watch()` of this conversation needs its own `close()`). */
  close(): void {
    if (this.#closed || --this.#references > 0) return;
    this.#closed = true;
    for (const onClose of [...this.#endWaiters]) onClose();
    this.#deps.connection.remove(this.#subscriber);
    this.#deps.onClosed(this);
    this.#settleReady(new ConfabClientError('closed', 'The watch was closed.'));
  }

  /** @internal The client hands out the same watch for the same conversation. */
  retain(): this {
    this.#references++;
    return this;
  }

  async #load(): Promise<void> {
    try {
      const { conversation, messages, runs, retry, approvals, cursor } = await this.#deps.conversations.get(this.conversationId);
      if (this.#closed) return;
      // `retry`: a run waiting for its next attempt, so a page opened during the wait says why.
      const pending = approvals && approvals.length > 0 ? { approvals } : {};
      this.#reconciled = fromDetail({ conversation, messages, runs, retry: retry ?? null, ...pending }, cursor);
      this.#publish();
    } catch (cause) {
      const error = toClientError(cause);
      if (this.#closed) return;
      // Offline now: subscribing without a cursor makes the first event, whenever it comes, a snapshot.
      if (error.code !== 'network') return this.#fail(error);
    }
    this.#deps.connection.add(this.#subscriber);
  }

  #receive(event: ConfabEvent): void {
    if (this.#closed) return;
    let next: ReconciledState | undefined;
    if (this.#reconciled) next = reconcile(this.#reconciled, event);
    else if (event.type === 'snapshot') next = reconcile({ state: event.data.state, lastSeq: -1, cursor: null, retry: null }, event);
    if (!next) return;
    this.#reconciled = next;
    const deleted = event.type === 'conversation-deleted';
    if (deleted) this.#deps.connection.remove(this.#subscriber);
    this.#publish(deleted);
    notify(this.#eventListeners, event);
  }

  #publish(deleted = this.#current.deleted): void {
    const reconciled = this.#reconciled!;
    const previous = this.#current;
    const runsUnchanged = previous.state !== null && previous.state.runs === reconciled.state.runs;
    this.#current = {
      loaded: true,
      state: reconciled.state,
      status: runsUnchanged ? previous.status : statusOf(reconciled.state),
      activeRun: runsUnchanged ? previous.activeRun : activeRunOf(reconciled.state),
      retry: reconciled.retry,
      queue: runsUnchanged ? previous.queue : queueOf(reconciled.state),
      approvals: previous.state !== null && previous.state.approvals === reconciled.state.approvals ? previous.approvals : (reconciled.state.approvals ?? []),
      lastSeq: reconciled.lastSeq,
      cursor: reconciled.cursor,
      live: previous.live,
      deleted,
      error: null,
    };
    if (!previous.loaded) this.#settleReady();
    notify(this.#listeners, this.#current);
  }

  #setLive(live: boolean): void {
    if (this.#closed || this.#current.live === live) return;
    this.#current = { ...this.#current, live };
    notify(this.#listeners, this.#current);
  }

  #fail(error: ConfabClientError): void {
    if (this.#closed) return;
    this.#current = { ...this.#current, error };
    this.#settleReady(error);
    notify(this.#listeners, this.#current);
  }

  #command<T>(run: (transport: Transport) => Promise<T>, retries: number): Promise<T> {
    if (this.#closed) return Promise.reject(new ConfabClientError('closed', 'The watch was closed.'));
    return this.#deps.connection.command(run, retries);
  }
}
